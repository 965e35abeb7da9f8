/**
 * The three scenarios every system runs with the same counts and timing (Kairos's own versions
 * live in bench/sections/, against a server process).
 */
import { pool } from '../lib/kairos.ts';
import { sleep, until } from '../lib/net.ts';
import type { Job, Peer } from './peer.ts';

export type Scenario =
  /** `pending` jobs queued; `sample` of them due in a window of `spreadMs` starting `leadMs` after they are added. */
  | { kind: 'lateness'; pending: number; sample: number; spreadMs: number; leadMs: number; waitMs: number }
  /** `count` jobs due at one instant, `leadMs` after adding starts. */
  | { kind: 'burst'; count: number; leadMs: number; waitMs: number }
  /** `count` jobs queued far ahead, then each moved, `concurrency` moves in flight. */
  | { kind: 'reschedule'; count: number; concurrency: number; maxMs: number };

export interface LatenessResult {
  kind: 'lateness';
  lateMs: number[];
  missing: number;
}
export interface BurstResult {
  kind: 'burst';
  /** Per fired job: handler start − the burst instant. */
  firedMs: number[];
  missing: number;
  addMs: number;
  lateStart: boolean;
}
export interface RescheduleResult {
  kind: 'reschedule';
  latencyMs: number[];
  totalMs: number;
}
export type ScenarioResult = LatenessResult | BurstResult | RescheduleResult;

const HOUR = 3_600_000;
const CHUNK = 5000;

async function addInChunks(peer: Peer, jobs: Job[], progress: (done: number, total: number) => void): Promise<void> {
  for (let i = 0; i < jobs.length; i += CHUNK) {
    await peer.add(jobs.slice(i, i + CHUNK));
    progress(Math.min(jobs.length, i + CHUNK), jobs.length);
  }
}

export async function runScenario(
  peer: Peer,
  s: Scenario,
  progress: (done: number, total: number) => void,
): Promise<ScenarioResult> {
  const runs = new Map<string, number>();
  await peer.start((id, due) => {
    if (!runs.has(id)) runs.set(id, Date.now() - due);
  });
  switch (s.kind) {
    case 'lateness': {
      const far = Date.now() + 2 * HOUR;
      const pending = Array.from({ length: s.pending - s.sample }, (_, i) => ({ id: `p${i}`, due: far + i }));
      await addInChunks(peer, pending, progress);
      const start = Date.now() + s.leadMs;
      const sample = Array.from({ length: s.sample }, (_, i) => ({
        id: `s${i}`,
        due: start + Math.round((i * s.spreadMs) / s.sample),
      }));
      await peer.add(sample);
      await until(() => runs.size >= s.sample, s.leadMs + s.spreadMs + s.waitMs, 50);
      const lateMs = sample.flatMap((j) => (runs.has(j.id) ? [runs.get(j.id) as number] : []));
      return { kind: 'lateness', lateMs, missing: s.sample - lateMs.length };
    }
    case 'burst': {
      const due = Date.now() + s.leadMs;
      const jobs = Array.from({ length: s.count }, (_, i) => ({ id: `b${i}`, due }));
      const t0 = Date.now();
      await addInChunks(peer, jobs, progress);
      const addMs = Date.now() - t0;
      await until(() => runs.size >= s.count, s.leadMs + s.waitMs, 50);
      return { kind: 'burst', firedMs: [...runs.values()], missing: s.count - runs.size, addMs, lateStart: addMs > s.leadMs };
    }
    case 'reschedule': {
      const far = Date.now() + 2 * HOUR;
      const jobs = Array.from({ length: s.count }, (_, i) => ({ id: `r${i}`, due: far + i }));
      await addInChunks(peer, jobs, progress);
      const latencyMs: number[] = [];
      const t0 = performance.now();
      await pool(jobs, s.concurrency, async (j) => {
        if (performance.now() - t0 > s.maxMs) return;
        const t = performance.now();
        await peer.reschedule({ id: j.id, due: j.due + HOUR });
        latencyMs.push(performance.now() - t);
        if (latencyMs.length % 500 === 0) progress(latencyMs.length, s.count);
      });
      const totalMs = performance.now() - t0;
      await sleep(0);
      return { kind: 'reschedule', latencyMs, totalMs };
    }
  }
}
