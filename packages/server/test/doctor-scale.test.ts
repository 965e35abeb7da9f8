/**
 * The streaming doctor across chunk boundaries (issue 8): 25 000 events (three chunks of the
 * doctor's keyset walk), consistent by construction from core's functions, then broken at the
 * seams — a missing trigger on the last event of a chunk, orphans whose event id sorts before the
 * first event, between two chunks and after the last, a stale trigger and a status drift in the
 * last chunk. The doctor must name exactly those, report progress up to the total, and `fix`
 * must leave a database it finds clean; the maintained trigger count must still equal `count(*)`.
 * In-process on a real SQLite file (no server needed).
 */
import path from 'node:path';
import { isScheduled, pendingTriggers, type Status, stateAt } from '@kairos/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { migrate } from '../src/db/migrate.ts';
import { openSqlite } from '../src/db/sqlite.ts';
import type { Store } from '../src/db/store.ts';
import { runDoctor } from '../src/doctor.ts';
import { countTriggers } from '../src/features/events/triggers.repository.ts';
import { tempDir } from './support/server.ts';

const N = 25_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = Date.now();
const idOf = (i: number) => `e${String(i).padStart(6, '0')}`;
let store: Store;
let file: string;

beforeAll(async () => {
  file = path.join(tempDir(), 'doctor-scale.sqlite');
  store = openSqlite(file);
  await migrate(store);
  const db = new Database(file);
  const insertEvent = db.prepare(`insert into events (id, title, timezone, registration_opens_at, registration_closes_at,
    starts_at, ends_at, status, phase, version, created_by, created_at, updated_at)
    values (?, ?, 'UTC', ?, ?, ?, ?, ?, ?, 1, 'usr_x', ?, ?)`);
  const insertTrigger = db.prepare('insert into triggers (event_id, trigger, due_at) values (?, ?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= N; i++) {
      // Whole days away from now: nothing is inside the firing grace period.
      const startsAt = now + ((i % 200) - 100) * DAY + HOUR / 2;
      const d = {
        registrationOpensAt: i % 3 === 0 ? startsAt - 10 * DAY : null,
        registrationClosesAt: i % 3 === 0 ? startsAt - DAY : null,
        startsAt,
        endsAt: startsAt + 2 * HOUR,
        certificatesOpenAt: null,
        certificatesCloseAt: null,
      };
      const status: Status = i % 50 === 0 ? 'draft' : 'upcoming';
      const state = stateAt(d, status, now);
      insertEvent.run(
        idOf(i),
        `Event ${i}`,
        d.registrationOpensAt,
        d.registrationClosesAt,
        d.startsAt,
        d.endsAt,
        state.status,
        state.phase,
        now,
        now,
      );
      if (isScheduled(state.status)) for (const b of pendingTriggers(d, now)) insertTrigger.run(idOf(i), b.trigger, b.at);
    }
  })();
  db.close();
}, 120_000);

afterAll(async () => {
  await store?.close();
});

test('a clean database of three chunks is clean, with progress up to the total', async () => {
  const seen: Array<[number, number]> = [];
  const report = await runDoctor(store, () => now, false, { onProgress: (done, total) => seen.push([done, total]) });
  expect(report).toEqual({ ok: true, checkedEvents: N, problems: [], fixed: 0 });
  expect(seen.length).toBeGreaterThanOrEqual(3);
  expect(seen.map(([d]) => d)).toEqual([...seen.map(([d]) => d)].sort((a, b) => a - b));
  expect(seen[seen.length - 1]).toEqual([N, N]);
});

test('problems at the seams of the chunks are all found, and fixed', async () => {
  const db = new Database(file);
  // Event 9 999 is the last of the first chunk, and has future triggers (its start is in 99 days).
  const lastOfChunk = idOf(9_999);
  const lost = db.prepare('select trigger from triggers where event_id = ? order by trigger limit 1').get(lastOfChunk) as {
    trigger: string;
  };
  db.prepare('delete from triggers where event_id = ? and trigger = ?').run(lastOfChunk, lost.trigger);
  // Orphans: no foreign key check when written behind the server's back.
  db.pragma('foreign_keys = OFF');
  const orphanIds = ['a-before-all', `${idOf(10_000)}x`, 'z-after-all'];
  for (const id of orphanIds)
    db.prepare("insert into triggers (event_id, trigger, due_at) values (?, 'event_start', ?)").run(id, now + DAY);
  // A draft (every 50th) with a trigger: stale. Event 20 001 with a wrong stored phase: drift.
  db.prepare("insert into triggers (event_id, trigger, due_at) values (?, 'event_start', ?)").run(idOf(20_000), now + DAY);
  const drifted = idOf(20_001);
  db.prepare("update events set phase = 'in_progress', status = 'ongoing' where id = ?").run(drifted);
  db.close();

  const report = await runDoctor(store, () => now, false);
  const found = report.problems.map((p) => `${p.kind} ${p.eventId} ${p.trigger ?? '-'}`).sort();
  const expected = [
    `missing_trigger ${lastOfChunk} ${lost.trigger}`,
    ...orphanIds.map((id) => `orphan_trigger ${id} event_start`),
    `stale_trigger ${idOf(20_000)} event_start`,
    `status_drift ${drifted} -`,
  ];
  // The drifted event's triggers still match its dates: drift is its only problem.
  expect(found).toEqual(expected.sort());
  expect(report.ok).toBe(false);
  expect(report.checkedEvents).toBe(N);

  const fixed = await runDoctor(store, () => now, true);
  expect(fixed.fixed).toBe(expected.length);
  expect(await runDoctor(store, () => now, false)).toEqual({ ok: true, checkedEvents: N, problems: [], fixed: 0 });
  // The maintained count (GET /scheduler) followed every insert and delete, raw or repaired.
  const check = new Database(file, { readonly: true });
  const { n } = check.prepare('select count(*) as n from triggers').get() as { n: number };
  check.close();
  expect(await countTriggers(store.db)).toBe(n);
});
