/**
 * The cluster rows' measurements against running instances: HTTP writes spread round-robin over
 * them, and triggers falling due (spread, or all at one instant) added through their import, with
 * one stream client on the last instance (so most messages crossed from another instance).
 */
import type pg from 'pg';
import { firedStarts, firedStartsCount, importAcross, oneShot } from '../lib/cluster.ts';
import { type DriveResult, keepBusy } from '../lib/drive.ts';
import type { Kairos } from '../lib/kairos.ts';
import { until } from '../lib/net.ts';
import { phase } from '../lib/progress.ts';
import { openSse } from '../lib/sse.ts';

const HOUR = 3_600_000;

export interface HttpWrites {
  creates: DriveResult;
  moves: DriveResult;
}

/** `POST /events` for `ms`, then `PATCH` date moves of the events created, request i to instance i mod n. */
export async function httpWrites(
  instances: readonly Kairos[],
  opts: { inFlight: number; ms: number; warmup: number; firstStart: number },
): Promise<HttpWrites> {
  const n = instances.length;
  const at = (i: number) => instances[i % n] as Kairos;
  const events: Array<{ id: string; startsAt: number }> = [];
  const label = `${n} instance${n > 1 ? 's' : ''}`;
  const servers = instances.map((k) => k.pid);
  const creates = await keepBusy({ ...opts, servers, label: `Kairos, ${label}: POST /events` }, async (i) => {
    const startsAt = opts.firstStart + (i % 10_000) * 60_000;
    const r = await at(i).api('POST', '/events', { json: oneShot(`Write ${i}`, startsAt) });
    if (r.status !== 201) throw new Error(`POST /events: ${r.status} ${r.text.slice(0, 200)}`);
    events.push({ id: r.json.id as string, startsAt });
    return true;
  });
  if (events.length < 2 * opts.inFlight) throw new Error(`only ${events.length} events created to move`);
  const moves = await keepBusy({ ...opts, servers, label: `Kairos, ${label}: PATCH moves` }, async (i) => {
    const e = events[i % events.length] as (typeof events)[number];
    const startsAt = e.startsAt + 60_000;
    const { title: _, ...dates } = oneShot('', startsAt);
    const r = await at(i).api('PATCH', `/events/${e.id}`, { json: dates });
    if (r.status !== 200) throw new Error(`PATCH /events: ${r.status} ${r.text.slice(0, 200)}`);
    e.startsAt = startsAt;
    return true;
  });
  return { creates, moves };
}

/**
 * Milliseconds per event of an import split over the instances, from a small one due hours
 * later (it stays pending: load for the rows after it). Sets how far ahead the measured
 * triggers are placed, so that adding them ends before the first falls due.
 */
export async function importMsPerEvent(instances: readonly Kairos[], count: number): Promise<number> {
  const far = Date.now() + 3 * HOUR;
  const ms = await importAcross(
    instances,
    Array.from({ length: count }, (_, i) => oneShot(`Calibration ${i}`, far + i * 1000)),
  );
  return ms / count;
}

export interface DueRun {
  /** Server lateMs of each firing (history), ms. */
  fired: number[];
  /** Stream message received − due instant, ms. */
  streamed: number[];
  /** When the measured triggers started falling due, and how long adding them took. */
  start: number;
  leadMs: number;
  addMs: number;
}

/**
 * `count` events whose start falls due at `dueOf(i, start)` (start = now + lead), imported
 * across the instances; waits until every start fired and reached the stream client, or until
 * `waitMs` after the last due instant.
 */
export async function dueRun(
  instances: readonly Kairos[],
  db: pg.Client,
  opts: { count: number; spreadMs: number; leadMs: number; waitMs: number; title: string; label: string },
): Promise<DueRun> {
  const last = instances.at(-1) as Kairos;
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  const streamed: number[] = [];
  const sse = openSse(
    last.port,
    (f) => {
      if (f.event !== 'transition' || !f.data?.includes('"trigger":"event_start"')) return;
      let due = Number.NaN;
      try {
        due = Date.parse(JSON.parse(f.data).dueAt as string);
      } catch {
        // Counted as not streamed.
      }
      if (due >= from && due <= to) streamed.push(f.receivedAt - due);
    },
    { keepData: (e) => e === 'transition' },
  );
  try {
    await sse.hello;
    const start = Date.now() + opts.leadMs;
    const dueOf = (i: number) => start + Math.round((i * opts.spreadMs) / opts.count);
    from = start;
    to = dueOf(opts.count - 1);
    const records = Array.from({ length: opts.count }, (_, i) => oneShot(`${opts.title} ${i}`, dueOf(i)));
    const addMs = await importAcross(instances, records);
    const bar = phase(opts.label, opts.count);
    await until(
      async () => {
        if (Date.now() < start) return false;
        const fired = await firedStartsCount(db, from, to);
        bar.set(fired);
        return fired >= opts.count && streamed.length >= opts.count;
      },
      Math.max(0, to - Date.now()) + opts.waitMs,
      250,
    );
    bar.end();
    const fired = await firedStarts(db, from, to);
    return { fired, streamed: [...streamed], start, leadMs: opts.leadMs, addMs };
  } finally {
    sse.close();
  }
}
