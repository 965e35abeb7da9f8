/**
 * A stand-in for bench/seed.ts (written on branch wip/queries): inserts events straight into a
 * stopped server's SQLite file, each with the triggers and the `create` history entry the API
 * would have written, its status computed by the shared lifecycle rules (so `kairos doctor` finds
 * nothing to fix). Bench only: synchronous=OFF while seeding a stopped server's file, one
 * transaction per 10 000 events. Beside a running server (`live`) the server notices the commit
 * as it notices any other process's (inotify on the folder, then `data_version`).
 */
import { type EventDates, isScheduled, lifecycleAt, pendingTriggers, type Status } from '@kairos/core';
import Database from 'better-sqlite3';
import { liftSearchIndexing, prng as random } from '../seed.ts';

export interface SeedEvent {
  dates: EventDates;
  status: Status;
  title: string;
}

export interface SeedOptions {
  count: number;
  /** Index of the first event (ids derive from it): lets several seeds share one file. */
  first?: number;
  now: number;
  /** The i-th event; defaults to a campus calendar (seedCalendar). */
  event?: (i: number) => SeedEvent;
  onProgress?: (done: number) => void;
  /** Seeding beside a running server: wait for its write lock, leave the WAL for it to checkpoint. */
  live?: boolean;
}

const CHUNK = 10_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Words of the calendar titles; `Workshop` is the common `q` word, `Zanzibar` the rare one. */
const WORDS = ['Algebra', 'Biology', 'Chemistry', 'Drama', 'Economics', 'Film', 'Geology', 'History', 'Italian', 'Jazz'];
const KINDS = ['Lecture', 'Seminar', 'Workshop', 'Exam', 'Concert', 'Lab', 'Colloquium', 'Tutorial'];
export const COMMON_WORD = 'Workshop';
export const RARE_WORD = 'Zanzibar';
/** One event in RARE_EVERY carries the rare word. */
export const RARE_EVERY = 20_000;

/** Two years of past events and one of future ones; 90 % approved, the rest in the workflow states. */
export function seedCalendar(now: number): (i: number) => SeedEvent {
  return (i) => {
    const r = random(i + 1);
    const startsAt = Math.round(now - 730 * DAY + r() * 1095 * DAY);
    const endsAt = startsAt + HOUR + Math.floor(r() * 7) * HOUR;
    const reg = r() < 0.5;
    const certs = r() < 0.2;
    const dates: EventDates = {
      registrationOpensAt: reg ? startsAt - 30 * DAY : null,
      registrationClosesAt: reg ? startsAt - DAY : null,
      startsAt,
      endsAt,
      certificatesOpenAt: certs ? endsAt : null,
      certificatesCloseAt: certs ? endsAt + 14 * DAY : null,
    };
    const w = r();
    const status: Status =
      w < 0.9 ? 'upcoming' : w < 0.94 ? 'draft' : w < 0.97 ? 'pending_approval' : w < 0.99 ? 'cancelled' : 'declined';
    const word = WORDS[Math.floor(r() * WORDS.length)] ?? 'Algebra';
    const kind = KINDS[i % KINDS.length] ?? 'Lecture';
    const title = `${word} ${kind} ${i}${i % RARE_EVERY === 7 ? ` ${RARE_WORD}` : ''}`;
    return { dates, status, title };
  };
}

export async function seed(dbPath: string, opts: SeedOptions): Promise<{ events: number; triggers: number }> {
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  if (!opts.live) db.pragma('synchronous = OFF');
  const admin = db.prepare("select id from users where role = 'admin' order by created_at limit 1").get() as
    | { id: string }
    | undefined;
  if (!admin) throw new Error('seed: no admin user (start the server once on this file first)');
  const insertEvent = db.prepare(
    `insert into events (id, title, description, venue, timezone, capacity, registration_opens_at, registration_closes_at,
       starts_at, ends_at, certificates_open_at, certificates_close_at, status, phase, version, created_by, created_at, updated_at)
     values (?, ?, null, null, 'UTC', null, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
  );
  const insertTrigger = db.prepare('insert into triggers (event_id, trigger, due_at) values (?, ?, ?)');
  const insertHistory = db.prepare(
    `insert into history (event_id, owner_id, at, cause, actor, from_status, from_phase, to_status, to_phase)
     values (?, ?, ?, 'create', ?, null, null, ?, ?)`,
  );
  const make = opts.event ?? seedCalendar(opts.now);
  const createdAt = opts.now - DAY;
  let triggers = 0;
  const chunk = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const { dates: d, status, title } = make(i);
      const state = isScheduled(status) ? lifecycleAt(d, opts.now) : { status, phase: status };
      const id = `ev_seed${i.toString(36).padStart(6, '0')}`;
      insertEvent.run(
        id,
        title,
        d.registrationOpensAt,
        d.registrationClosesAt,
        d.startsAt,
        d.endsAt,
        d.certificatesOpenAt,
        d.certificatesCloseAt,
        state.status,
        state.phase,
        admin.id,
        createdAt,
        createdAt,
      );
      if (isScheduled(status)) {
        for (const b of pendingTriggers(d, opts.now)) {
          insertTrigger.run(id, b.trigger, b.at);
          triggers += 1;
        }
      }
      insertHistory.run(id, admin.id, createdAt, admin.id, state.status, state.phase);
    }
  });
  // A stopped server's file: index in one rebuild at the end, not row by row (bench/seed.ts says why).
  const restore = opts.live ? null : liftSearchIndexing(db);
  try {
    const first = opts.first ?? 0;
    for (let from = 0; from < opts.count; from += CHUNK) {
      chunk(first + from, first + Math.min(opts.count, from + CHUNK));
      opts.onProgress?.(Math.min(opts.count, from + CHUNK));
      // Yield so progress bars redraw and signals are handled during a long seed.
      await new Promise((r) => setImmediate(r));
    }
    restore?.();
    if (!opts.live) db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return { events: opts.count, triggers };
}
