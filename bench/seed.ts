/**
 * Bench-only bulk seed: a realistic SQLite database of `n` events, consistent (`kairos doctor` finds
 * it clean). 1 000 000 events took 17 min on this machine while it ran load 12–16 on its 2 cores
 * (9 min of inserts, the rest the FTS rebuild); an idle machine should need a fraction of that.
 *
 *   import { seedEvents } from './seed.ts';
 *   const r = await seedEvents('/tmp/k.sqlite', 1_000_000, { onProgress: (done, total) => … });
 *   // r.organizers: [{ id, email, password }] to log in as an organizer; r.words: { common, rare }
 *
 * The file is created (or extended) with the server's own migrations; then events, their pending
 * triggers and one `create` history row each are inserted with prepared statements in big
 * transactions. Status, phase and triggers come from core (`stateAt`, `pendingTriggers`), never a
 * second copy of the rules. The FTS index and trigger counter follow through their SQL triggers.
 *
 * Distribution: starts from ~3 years ago to ~2 years ahead; durations 1–4 h (80 %), 1–3 days (15 %),
 * 3–7 days (4 %), 1–4 weeks (1 %); 70 % with a registration window, 30 % with certificates; 95 %
 * approved (status from the dates), the rest drafts, pending, declined and cancelled by a handful of
 * organizers; titles, venues and descriptions from a word list with a few rare words.
 * Deterministic for a given `seed`.
 */
import { isScheduled, pendingTriggers, type Status, stateAt } from '@kairos/core';
import { AuthService, migrate, openStore, systemClock } from '@kairos/server';
import Database from 'better-sqlite3';

export interface SeedOptions {
  /** The instant statuses and triggers are computed at (default: now). */
  now?: number;
  /** How many organizer accounts own the non-approved events and some approved ones (default 5). */
  organizers?: number;
  /** PRNG seed (default 1). */
  seed?: number;
  /** Called after each committed batch. */
  onProgress?: (done: number, total: number) => void;
}

export interface SeedResult {
  events: number;
  triggers: number;
  ms: number;
  organizers: Array<{ id: string; email: string; password: string }>;
  /** `common`: in about a third of the titles; `rare`: in a few dozen rows per million. */
  words: { common: string; rare: string };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BATCH = 20_000;

const COMMON = (
  'workshop seminar lecture meetup conference talk panel class session introduction advanced ' +
  'practical research data design history science music art biology physics chemistry ' +
  'mathematics economics law medicine engineering software systems networks security cloud ' +
  'ethics language literature philosophy film theatre dance sport health climate energy water ' +
  'city campus student faculty alumni career open day night spring summer autumn winter annual ' +
  'weekly evening morning global local community society club reading writing coding robotics'
).split(' ');
const UNICODE = ['café', 'naïve', 'Zürich', 'São Paulo', '東京', 'Ελλάδα', 'Kraków', 'fiesta 🎉'];
const RARE = ['zanzibar', 'quixotic', 'ptarmigan', 'xylography', 'sesquipedalian'];
const VENUES = [
  'Main Hall',
  'Room 101',
  'Room 204',
  'Library',
  'Auditorium A',
  'Auditorium B',
  'Science Building',
  'Online',
  'Student Union',
  'Gym',
  'Café Central',
  'Lab 3',
];
const ZONES = ['UTC', 'Europe/Berlin', 'Asia/Kolkata', 'America/New_York', 'Asia/Kathmandu'];

/** mulberry32: small, fast, good enough for test data (deterministic for a seed). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function seedEvents(file: string, n: number, options: SeedOptions = {}): Promise<SeedResult> {
  const started = performance.now();
  const now = options.now ?? Date.now();
  const organizers = await createOrganizers(file, options.organizers ?? 5);
  const db = new Database(file);
  // A bench seed needs no durability until it is done; WAL keeps the file format the server expects.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -1000000');
  try {
    const triggers = withoutSearchIndexing(db, () =>
      insertAll(db, n, now, prng(options.seed ?? 1), organizers, options.onProgress),
    );
    db.exec('analyze');
    return { events: n, triggers, ms: performance.now() - started, organizers, words: { common: 'workshop', rare: 'zanzibar' } };
  } finally {
    db.close();
  }
}

async function createOrganizers(file: string, count: number): Promise<SeedResult['organizers']> {
  const store = await openStore(file);
  try {
    await migrate(store);
    const auth = new AuthService({
      store,
      clock: systemClock,
      secret: null,
      sessionTtlMs: 12 * HOUR,
      loginMaxFailures: 10,
      loginMaxFailuresPerAddress: 20,
      loginWindowMs: 15 * 60_000,
    });
    await auth.init();
    const out: SeedResult['organizers'] = [];
    for (let i = 0; i < count; i++) {
      const email = `organizer${i}-${Date.now().toString(36)}@bench.test`;
      const password = 'bench-organizer-password';
      const user = await auth.createUser({ email, name: `Organizer ${i}`, role: 'organizer', password });
      out.push({ id: user.id, email, password });
    }
    return out;
  } finally {
    await store.close();
  }
}

/**
 * The FTS triggers index one row per statement, and FTS5 flushes its buffer at every statement
 * savepoint: 0.45 ms a row, against 0.035 ms a row for one `rebuild` after the bulk insert
 * (measured on 5 000 events). So the seed lifts the migration's own triggers (their SQL read back
 * from the schema, not copied), inserts, rebuilds the index, and puts them back.
 */
function withoutSearchIndexing<T>(db: Database.Database, fn: () => T): T {
  const restore = liftSearchIndexing(db);
  try {
    return fn();
  } finally {
    restore();
  }
}

/** Drop the search-index triggers; the returned function rebuilds the index and restores them. */
export function liftSearchIndexing(db: Database.Database): () => void {
  const saved = db
    .prepare("select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'events' and name like 'events_fts_%'")
    .all() as Array<{ name: string; sql: string }>;
  for (const t of saved) db.exec(`drop trigger ${t.name}`);
  return () => {
    db.exec("insert into events_fts(events_fts) values ('rebuild')");
    for (const t of saved) db.exec(t.sql);
  };
}

function insertAll(
  db: Database.Database,
  n: number,
  now: number,
  rnd: () => number,
  organizers: SeedResult['organizers'],
  onProgress: SeedOptions['onProgress'],
): number {
  const insertEvent = db.prepare(`insert into events (id, title, description, venue, timezone, capacity,
    registration_opens_at, registration_closes_at, starts_at, ends_at, certificates_open_at, certificates_close_at,
    status, phase, version, created_by, created_at, updated_at)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`);
  const insertTrigger = db.prepare('insert into triggers (event_id, trigger, due_at) values (?, ?, ?)');
  const insertHistory = db.prepare(`insert into history (event_id, owner_id, at, cause, actor, to_status, to_phase)
    values (?, ?, ?, 'create', ?, ?, ?)`);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const words = (k: number) => Array.from({ length: k }, () => (rnd() < 0.02 ? pick(UNICODE) : pick(COMMON))).join(' ');
  let triggers = 0;
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const d = dates(now, rnd);
      const roll = rnd();
      const status: Status =
        roll < 0.95
          ? 'upcoming'
          : roll < 0.97
            ? 'draft'
            : roll < 0.985
              ? 'pending_approval'
              : roll < 0.99
                ? 'declined'
                : 'cancelled';
      const owner = status === 'upcoming' && rnd() < 0.5 ? 'seed-admin' : (pick(organizers)?.id ?? 'seed-admin');
      const state = stateAt(d, status, now);
      const id = `s${i.toString(36)}${Math.floor(rnd() * 2 ** 30).toString(36)}`;
      let title = `${words(2 + Math.floor(rnd() * 4))}${rnd() < 0.35 ? ' workshop' : ''}`;
      if (rnd() < 0.00005) title = `${title} ${pick(RARE)}`;
      const description = rnd() < 0.5 ? null : words(10 + Math.floor(rnd() * 20));
      const createdAt = Math.min(now, d.startsAt) - Math.floor(rnd() * 90 * DAY);
      insertEvent.run(
        id,
        title.charAt(0).toUpperCase() + title.slice(1),
        description,
        pick(VENUES),
        pick(ZONES),
        rnd() < 0.5 ? null : 20 + Math.floor(rnd() * 480),
        d.registrationOpensAt,
        d.registrationClosesAt,
        d.startsAt,
        d.endsAt,
        d.certificatesOpenAt,
        d.certificatesCloseAt,
        state.status,
        state.phase,
        owner,
        createdAt,
        createdAt,
      );
      if (isScheduled(state.status)) {
        for (const b of pendingTriggers(d, now)) {
          insertTrigger.run(id, b.trigger, b.at);
          triggers++;
        }
      }
      insertHistory.run(id, owner, createdAt, owner, state.status, state.phase);
    }
  });
  for (let i = 0; i < n; i += BATCH) {
    batch(i, Math.min(n, i + BATCH));
    onProgress?.(Math.min(n, i + BATCH), n);
  }
  return triggers;
}

function dates(now: number, rnd: () => number) {
  const quarter = 15 * 60_000;
  const startsAt = Math.round((now - 3 * 365 * DAY + rnd() * 5 * 365 * DAY) / quarter) * quarter;
  const kind = rnd();
  const duration =
    kind < 0.8
      ? HOUR * (1 + Math.floor(rnd() * 4))
      : kind < 0.95
        ? DAY * (1 + Math.floor(rnd() * 3))
        : kind < 0.99
          ? DAY * (3 + Math.floor(rnd() * 5))
          : DAY * (7 + Math.floor(rnd() * 21));
  const endsAt = startsAt + duration;
  const reg = rnd() < 0.7;
  const opens = startsAt - DAY * (7 + Math.floor(rnd() * 53));
  const certs = rnd() < 0.3;
  const certOpen = endsAt + Math.floor(rnd() * 24) * HOUR;
  return {
    registrationOpensAt: reg ? opens : null,
    registrationClosesAt: reg ? startsAt - Math.floor(rnd() * 48) * HOUR : null,
    startsAt,
    endsAt,
    certificatesOpenAt: certs ? certOpen : null,
    certificatesCloseAt: certs ? certOpen + 30 * DAY : null,
  };
}
