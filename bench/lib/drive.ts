/**
 * A closed-loop load: `inFlight` senders, each sending its next request as soon as its last one
 * answered, for a fixed time after a warm-up. The writes rows (HTTP and the bare yardsticks) all
 * run through this one loop, so they are timed the same way.
 */
import { type CpuShare, cpuMeter } from './cpu.ts';
import { phase } from './progress.ts';

export interface DriveResult {
  perSec: number;
  /** Latencies of the requests that succeeded, ms. */
  latencyMs: number[];
  failed: number;
  /** The first few failures' reasons, for the notes. */
  errors: string[];
  /** Where the timed requests' CPU went (null off Linux). */
  cpu: CpuShare | null;
}

/** `send(i)` performs request number `i` (warm-up ones included) and says whether it succeeded. */
export async function keepBusy(
  opts: { inFlight: number; ms: number; warmup: number; label: string; servers?: readonly number[] },
  send: (i: number) => Promise<boolean>,
): Promise<DriveResult> {
  let n = 0;
  const errors: string[] = [];
  const attempt = async (): Promise<boolean> => {
    try {
      return await send(n++);
    } catch (e) {
      if (errors.length < 3) errors.push(String(e).slice(0, 200));
      return false;
    }
  };
  for (let i = 0; i < opts.warmup; i += opts.inFlight) await Promise.all(Array.from({ length: opts.inFlight }, attempt));
  const latencyMs: number[] = [];
  let failed = 0;
  const bar = phase(opts.label, Math.round(opts.ms / 1000));
  const meter = cpuMeter(opts.servers ?? []);
  const t0 = performance.now();
  const end = t0 + opts.ms;
  await Promise.all(
    Array.from({ length: opts.inFlight }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        if (await attempt()) latencyMs.push(performance.now() - t);
        else failed += 1;
        bar.set(Math.floor((performance.now() - t0) / 1000));
      }
    }),
  );
  const elapsed = performance.now() - t0;
  const cpu = meter?.(latencyMs.length + failed) ?? null;
  bar.end();
  return { perSec: (latencyMs.length / elapsed) * 1000, latencyMs, failed, errors, cpu };
}
