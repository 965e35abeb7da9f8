/**
 * A burst across a crash (issue 8, I3, SPEC §5): 3 000 events start at one instant; the server
 * is killed with `kill -9` as soon as the first transition reaches a stream client, in the middle
 * of the burst; restarted on the same database, it fires every remaining start with cause
 * `recovery`. Each event ends up with exactly one start transition, dueAt the instant, seq
 * strictly increasing, nothing lost or doubled; doctor is clean.
 *
 * Landing the kill mid-burst without making anything slow: the server fires 25 triggers per
 * transaction here (KAIROS_FIRE_BATCH), so the burst spans 120 commits (each one fsync) while
 * the kill follows the first message within milliseconds. Nothing here asserts speed.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import { seedStarts } from './support/seed.ts';
import { runCli, stopAll, TestServer, tempDir } from './support/server.ts';
import { openStream } from './support/sse.ts';
import { until } from './support/timeline.ts';

const EVENTS = 3000;

afterAll(stopAll);

interface Row {
  seq: number;
  eventId: string;
  cause: string;
  trigger: string;
  fromPhase: string;
  toStatus: string;
  toPhase: string;
  at: number;
  dueAt: number;
  lateMs: number;
}

/** Read the database behind the server's back (read-only; WAL lets it beside the writer). */
function query<T>(file: string, statement: string): T[] {
  const db = new Database(file, { readonly: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db.prepare(statement).all() as T[];
  } finally {
    db.close();
  }
}

const firings = (file: string) =>
  query<Row>(
    file,
    `select seq, event_id as eventId, cause, trigger, from_phase as fromPhase, to_status as toStatus,
       to_phase as toPhase, at, due_at as dueAt, late_ms as lateMs from history where trigger is not null order by seq`,
  );

test('a burst of 3 000 starts fires each exactly once across a kill -9 in the middle of it', async () => {
  const file = path.join(tempDir(), 'kairos.sqlite');
  const server = await new TestServer(file, { KAIROS_FIRE_BATCH: '25' }).start();
  const stream = openStream(server.url);
  await stream.opened;

  // The instant leaves room for seeding: 1.2 s at load 7.8 (nice 19), and 6 s lets it take 5 s
  // before the guard below. (15 s left the server idle for 13 s.)
  const instant = Date.now() + 6000;
  const ids = await seedStarts(file, EVENTS, instant);
  expect(Date.now(), 'seeded too slowly for the chosen instant').toBeLessThan(instant - 1000);

  const first = await stream.waitFor((m) => m.find((x) => x.type === 'transition'), instant - Date.now() + 60_000);
  await server.kill9();
  const heard = stream.messages.filter((m) => m.type === 'transition');
  stream.close();
  expect(first.data).toMatchObject({ trigger: 'event_start', cause: 'schedule', dueAt: new Date(instant).toISOString() });

  const beforeRestart = firings(file);
  expect(beforeRestart.length, 'the kill landed after the burst had finished').toBeLessThan(EVENTS);
  // What clients heard was committed.
  const committed = new Set(beforeRestart.map((r) => r.seq));
  for (const m of heard) expect(committed.has(Number(m.id))).toBe(true);

  const restartedAt = Date.now();
  await server.start();
  const after = await until(
    async () => {
      const rows = firings(file);
      return rows.length >= EVENTS && rows;
    },
    120_000,
    'every start fired after the restart',
  );

  // Exactly once: one start transition per event, no more, none missing.
  expect(after).toHaveLength(EVENTS);
  expect(new Set(after.map((r) => r.eventId))).toEqual(new Set(ids));
  for (const r of after) {
    expect(r).toMatchObject({ trigger: 'event_start', fromPhase: 'scheduled', toStatus: 'ongoing', toPhase: 'in_progress' });
    expect(r.dueAt).toBe(instant);
    expect(r.lateMs).toBe(r.at - r.dueAt);
    expect(r.at).toBeGreaterThanOrEqual(instant);
  }
  // seq strictly increasing; what fired before the kill on time, everything after it as recovery.
  for (let i = 1; i < after.length; i++) expect(after[i]?.seq).toBeGreaterThan(after[i - 1]?.seq as number);
  const schedule = after.filter((r) => r.cause === 'schedule');
  const recovery = after.filter((r) => r.cause === 'recovery');
  expect(schedule).toEqual(beforeRestart);
  expect(recovery.length).toBe(EVENTS - beforeRestart.length);
  expect(recovery.length).toBeGreaterThan(0);
  for (const r of recovery) expect(r.at).toBeGreaterThanOrEqual(restartedAt);

  // Every event is ongoing; only the ends are still pending.
  const states = query<{ n: number }>(
    file,
    "select count(*) as n from events where status = 'ongoing' and phase = 'in_progress'",
  );
  expect(states[0]?.n).toBe(EVENTS);
  const pending = query<{ trigger: string; n: number }>(file, 'select trigger, count(*) as n from triggers group by trigger');
  expect(pending).toEqual([{ trigger: 'event_end', n: EVENTS }]);

  const doctor = await runCli(['doctor', '--json'], { KAIROS_DB: file });
  expect(doctor.code, doctor.stderr).toBe(0);
  expect(JSON.parse(doctor.stdout)).toMatchObject({ ok: true, checkedEvents: EVENTS, problems: [] });
}, 300_000);
