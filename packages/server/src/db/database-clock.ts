/**
 * Cluster mode tells time by the database (issue 9): instances whose own clocks disagree by
 * seconds still fire every trigger on time and never early, because "now" on each of them is
 * PostgreSQL's `clock_timestamp()`, not the machine's. Reading the database for every `now()`
 * would cost a round trip per decision; instead the offset between the two clocks is measured
 * at start and every minute (one query a minute when idle), NTP-style: of a few samples, the one
 * with the shortest round trip, assuming the server read its clock halfway through it. Its error
 * is at most half that round trip (well under a millisecond on a local network).
 */
import { sql } from 'kysely';
import { type Clock, OffsetClock, systemClock } from '../clock.ts';
import type { Db } from './unit-of-work.ts';

const SAMPLES = 3;
const RESYNC_MS = 60_000;

export interface Offset {
  offsetMs: number;
  roundTripMs: number;
}

/** How far the database's clock is ahead of `local` (negative: behind). */
export async function measureOffset(db: Db, local: Clock = systemClock): Promise<Offset> {
  let best: Offset | null = null;
  for (let i = 0; i < SAMPLES; i++) {
    const sent = local.now();
    const { rows } = await sql<{ now: number }>`select (extract(epoch from clock_timestamp()) * 1000)::float8 as now`.execute(db);
    const received = local.now();
    const roundTripMs = received - sent;
    const offsetMs = Math.round(Number(rows[0]?.now) - (sent + received) / 2);
    if (!best || roundTripMs < best.roundTripMs) best = { offsetMs, roundTripMs };
  }
  return best as Offset;
}

export interface DatabaseClock {
  clock: OffsetClock;
  stop(): void;
}

/** A clock on the database's time, kept in step every minute until `stop()`. */
export async function databaseClock(db: Db, base: Clock = systemClock): Promise<DatabaseClock> {
  const clock = new OffsetClock(base);
  clock.offsetMs = (await measureOffset(db, base)).offsetMs;
  const timer = setInterval(() => {
    measureOffset(db, base).then(
      (m) => {
        clock.offsetMs = m.offsetMs;
      },
      // The database is away (restarting): keep the last offset; the next minute tries again.
      () => {},
    );
  }, RESYNC_MS);
  timer.unref();
  return { clock, stop: () => clearInterval(timer) };
}
