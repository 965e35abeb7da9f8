// @dialects sqlite postgres
/**
 * `GET /events` against a straightforward reference (issue 8, Done-when 2): a few thousand random
 * events (dates around now with many equal start instants, every status, titles sharing words,
 * unicode, `%` and `_`), some renamed and deleted through the API afterwards so the search index
 * must follow; then many random filter combinations (status, phase, from, to, q of every length
 * and case, limit), paged with the cursor, as public, an organizer and an admin. Every page must be
 * exactly what a plain JS filter over all rows gives, in (startsAt, id) order, and `nextCursor`
 * must be null exactly on the last page. On SQLite the same filters also run in-process with each
 * `q` plan forced (index candidates, ordered walk), so both plans are proven, whatever the data size.
 */
import { PHASES, PUBLIC_STATUSES, STATUSES, type Status, stateAt, WORKFLOW_STATUSES } from '@kairos/core';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openStore } from '../src/db/open.ts';
import { type ListFilter, listEventKeys } from '../src/features/events/events.query.ts';
import { DIALECT, iso, startServer, stopAll, type TestServer } from './support/server.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const N = 2500;
const SEED = Number(process.env.LIST_SEED ?? 20261130);

interface Row {
  id: string;
  title: string;
  venue: string | null;
  description: string | null;
  status: string;
  phase: string;
  startsAt: number;
  endsAt: number;
  createdBy: string;
}

type Viewer = 'public' | 'organizer' | 'admin';

interface Query {
  viewer: Viewer;
  status?: string[];
  phase?: string[];
  from?: number;
  to?: number;
  q?: string;
  limit: number;
}

// Non-ASCII letters only in lower case (or caseless): SQLite's lower() folds ASCII only, as before issue 8.
const WORDS = [
  'Alpha',
  'beta',
  'Gamma',
  'delta',
  'Workshop',
  'talk',
  'café',
  'naïve',
  '東京',
  'zürich',
  'fiesta 🎉',
  '100%',
  'snake_case',
  'a_b',
  'x',
];
const VENUES = [null, 'Main Hall', 'room 101', 'Café Central', 'Lab_3', '50% off'];

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
const subset = <T>(xs: readonly T[], max: number): T[] => [
  ...new Set(Array.from({ length: 1 + Math.floor(rnd() * max) }, () => pick(xs))),
];

/** Direct SQL on either dialect: setup writes behind the server's back, and reads the truth back. */
async function rawQuery<T>(database: string, statement: string, params: unknown[] = []): Promise<T[]> {
  if (DIALECT === 'postgres') {
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    try {
      let n = 0;
      return (
        await client.query(
          statement.replace(/\?/g, () => `$${++n}`),
          params,
        )
      ).rows as T[];
    } finally {
      await client.end();
    }
  }
  const db = new Database(database);
  try {
    db.pragma('busy_timeout = 5000');
    const stmt = db.prepare(statement);
    if (stmt.reader) return stmt.all(...params) as T[];
    stmt.run(...params);
    return [];
  } finally {
    db.close();
  }
}

let server: TestServer;
let organizerToken = '';
let organizerId = '';
let rows: Row[] = [];
const now = Date.now();

function randomEvent(i: number, owners: string[]) {
  // Starts on a 6-hour grid: many events share a start, so the id tie-break matters.
  const startsAt = Math.round((now + (rnd() - 0.5) * 120 * DAY) / (6 * HOUR)) * 6 * HOUR;
  const endsAt = startsAt + (rnd() < 0.05 ? (5 + Math.floor(rnd() * 20)) * DAY : (1 + Math.floor(rnd() * 30)) * HOUR);
  const reg = rnd() < 0.6;
  const certs = rnd() < 0.3;
  const dates = {
    registrationOpensAt: reg ? startsAt - 20 * DAY : null,
    registrationClosesAt: reg ? startsAt - Math.floor(rnd() * 10) * DAY : null,
    startsAt,
    endsAt,
    certificatesOpenAt: certs ? endsAt + HOUR : null,
    certificatesCloseAt: certs ? endsAt + 10 * DAY : null,
  };
  const status: Status = rnd() < 0.75 ? 'upcoming' : pick(WORKFLOW_STATUSES);
  const state = stateAt(dates, status, now);
  const words = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(WORDS));
  return {
    // Mixed case and digits: ordering is by code unit, as both dialects' C collation compare.
    id: `t${i.toString(36)}${Math.floor(rnd() * 36 ** 4).toString(36)}${rnd() < 0.5 ? 'A' : 'a'}`,
    title: words.join(' '),
    description: rnd() < 0.5 ? null : `${pick(WORDS)} and ${pick(WORDS)}, Details Here`,
    venue: pick(VENUES),
    ...dates,
    status: state.status,
    phase: state.phase,
    createdBy: pick(owners),
  };
}

async function seed(adminId: string): Promise<void> {
  const cols = [
    'id',
    'title',
    'description',
    'venue',
    'timezone',
    'capacity',
    'registration_opens_at',
    'registration_closes_at',
    'starts_at',
    'ends_at',
    'certificates_open_at',
    'certificates_close_at',
    'status',
    'phase',
    'version',
    'created_by',
    'created_at',
    'updated_at',
  ];
  const events = Array.from({ length: N }, (_, i) => randomEvent(i, [adminId, organizerId, 'usr_someone_else']));
  for (let i = 0; i < events.length; i += 200) {
    const chunk = events.slice(i, i + 200);
    const values = chunk.map(() => `(${cols.map(() => '?').join(', ')})`).join(', ');
    const params = chunk.flatMap((e) => [
      e.id,
      e.title,
      e.description,
      e.venue,
      'UTC',
      null,
      e.registrationOpensAt,
      e.registrationClosesAt,
      e.startsAt,
      e.endsAt,
      e.certificatesOpenAt,
      e.certificatesCloseAt,
      e.status,
      e.phase,
      1,
      e.createdBy,
      now,
      now,
    ]);
    await rawQuery(server.dbPath, `insert into events (${cols.join(', ')}) values ${values}`, params);
  }
  // Through the API: renamed (the index must drop the old words) and deleted (and forget them).
  for (const e of events.slice(0, 15)) {
    const r = await server.api('PATCH', `/events/${e.id}`, {
      token: server.adminToken,
      json: { title: `Renamed Quokka ${e.id}`, venue: 'Quokka Hall', version: 1 },
    });
    expect(r.status, r.text).toBe(200);
  }
  for (const e of events.slice(15, 30)) {
    expect((await server.api('DELETE', `/events/${e.id}`, { token: server.adminToken })).status).toBe(204);
  }
  // And created through the API by the organizer: drafts and pending events of their own.
  for (let i = 0; i < 10; i++) {
    const start = now + (10 + i) * DAY;
    const r = await server.api('POST', '/events', {
      token: organizerToken,
      json: { title: `Own Quokka ${i} café`, startsAt: iso(start), endsAt: iso(start + HOUR), draft: i % 2 === 0 },
    });
    expect(r.status, r.text).toBe(201);
  }
}

beforeAll(async () => {
  server = await startServer();
  const created = await server.api('POST', '/users', {
    token: server.adminToken,
    json: { email: 'list-organizer@example.test', name: 'Org', role: 'organizer', password: 'organizer-password-1234' },
  });
  expect(created.status, created.text).toBe(201);
  organizerId = created.json.id;
  organizerToken = await server.login('list-organizer@example.test', 'organizer-password-1234');
  const me = await server.api('GET', '/auth/me', { token: server.adminToken });
  await seed(me.json.id ?? me.json.user?.id);
  const raw = await rawQuery<Record<string, unknown>>(
    server.dbPath,
    'select id, title, venue, description, status, phase, starts_at, ends_at, created_by from events',
  );
  rows = raw.map((r) => ({
    id: String(r.id),
    title: String(r.title),
    venue: (r.venue as string | null) ?? null,
    description: (r.description as string | null) ?? null,
    status: String(r.status),
    phase: String(r.phase),
    startsAt: Number(r.starts_at),
    endsAt: Number(r.ends_at),
    createdBy: String(r.created_by),
  }));
}, 120_000);

afterAll(() => stopAll());

const cmp = (a: Row, b: Row) => a.startsAt - b.startsAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** What the list must answer, computed the plainest way. */
function reference(q: Query): Row[] {
  const needle = q.q?.trim().toLowerCase();
  return rows
    .filter((r) => {
      if (q.viewer === 'public' && !PUBLIC_STATUSES.includes(r.status as Status)) return false;
      if (q.viewer === 'organizer' && !PUBLIC_STATUSES.includes(r.status as Status) && r.createdBy !== organizerId) return false;
      if (q.status && !q.status.includes(r.status)) return false;
      if (q.phase && !q.phase.includes(r.phase)) return false;
      if (q.from !== undefined && !(r.endsAt > q.from)) return false;
      if (q.to !== undefined && !(r.startsAt < q.to)) return false;
      if (needle && ![r.title, r.venue ?? '', r.description ?? ''].some((t) => t.toLowerCase().includes(needle))) return false;
      return true;
    })
    .sort(cmp);
}

/** A random substring of some row's text with the ASCII letters' case shuffled, or a fixed probe. */
function randomQ(): string {
  const fixed = [
    '%',
    '_',
    '100%',
    'snake_case',
    'a_b',
    '東京',
    'café',
    'x',
    'ab',
    'quokka',
    'NAÏ'.toLowerCase(),
    'zzz-none',
    '🎉',
  ];
  if (rnd() < 0.3) return pick(fixed);
  const r = pick(rows);
  const text = Array.from(pick([r.title, r.venue ?? r.title, r.description ?? r.title]));
  const len = 1 + Math.floor(rnd() * 8);
  const start = Math.floor(rnd() * Math.max(1, text.length - len));
  const part = text.slice(start, start + len).join('');
  const shuffled = Array.from(part, (c) =>
    /[a-z]/i.test(c) && rnd() < 0.5 ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c,
  ).join('');
  return shuffled.trim() === '' ? 'beta' : shuffled;
}

function randomQuery(): Query {
  const q: Query = { viewer: pick(['public', 'organizer', 'admin'] as const), limit: pick([1, 7, 50, 200]) };
  if (rnd() < 0.4) q.status = subset(STATUSES, 3);
  if (rnd() < 0.35) q.phase = subset(PHASES, 3);
  const t = () => now + Math.round((rnd() - 0.5) * 140 * DAY);
  if (rnd() < 0.35) q.from = t();
  if (rnd() < 0.35) q.to = (q.from ?? now) + Math.round(rnd() * 30 * DAY);
  if (rnd() < 0.5) q.q = randomQ();
  return q;
}

function urlOf(q: Query, cursor: string | null): string {
  const p = new URLSearchParams({ limit: String(q.limit) });
  if (q.status) p.set('status', q.status.join(','));
  if (q.phase) p.set('phase', q.phase.join(','));
  if (q.from !== undefined) p.set('from', iso(q.from));
  if (q.to !== undefined) p.set('to', iso(q.to));
  if (q.q !== undefined) p.set('q', q.q);
  if (cursor) p.set('cursor', cursor);
  return `/events?${p}`;
}

const tokenOf = (v: Viewer) => (v === 'admin' ? server.adminToken : v === 'organizer' ? organizerToken : undefined);
const MAX_PAGES = 6;

describe('GET /events equals the reference', () => {
  test('random filters, every viewer, paged with the cursor', async () => {
    let compared = 0;
    for (let i = 0; i < 150; i++) {
      const q = randomQuery();
      const want = reference(q).map((r) => r.id);
      const got: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r = await server.api('GET', urlOf(q, cursor), { token: tokenOf(q.viewer) });
        expect(r.status, `${urlOf(q, cursor)}: ${r.text}`).toBe(200);
        got.push(...r.json.items.map((e: { id: string }) => e.id));
        cursor = r.json.nextCursor;
        pages++;
      } while (cursor && pages < MAX_PAGES);
      const label = `seed ${SEED}, query ${i}: ${q.viewer} ${urlOf(q, null)}`;
      if (cursor === null) expect(got, label).toEqual(want);
      else expect(got, label).toEqual(want.slice(0, got.length));
      compared += got.length;
    }
    // The data and the filters were varied enough to compare something real.
    expect(compared).toBeGreaterThan(3000);
  });

  test.runIf(DIALECT === 'postgres')('q can be served by the trigram indexes on PostgreSQL', async () => {
    // Sequential scans off: the plan shows the predicate the list sends matches the indexes'
    // expressions (which the planner then picks by cost at scale); the rows were compared above.
    const client = new pg.Client({ connectionString: server.dbPath });
    await client.connect();
    let plan = '';
    try {
      await client.query('set enable_seqscan = off');
      const like = (col: string) => `lower(${col}) like '%zürich%'`;
      const { rows } = await client.query(
        `explain (format json) select id from events where ${like('title')} or ${like('venue')} or ${like('description')}`,
      );
      plan = JSON.stringify(rows);
    } finally {
      await client.end();
    }
    for (const column of ['title', 'venue', 'description']) expect(plan).toContain(`events_${column}_trgm`);
  });

  test.runIf(DIALECT === 'sqlite')('both q plans give the same rows (in-process, forced plan)', async () => {
    const store = await openStore(server.dbPath);
    try {
      for (let i = 0; i < 60; i++) {
        const q = { ...randomQuery(), q: randomQ() };
        const filter: ListFilter = {
          statuses: q.status ?? null,
          phases: q.phase ?? null,
          q: q.q.trim() || null,
          from: q.from ?? null,
          to: q.to ?? null,
          limit: 10_000,
          after: null,
          visibleStatuses: q.viewer === 'admin' ? null : PUBLIC_STATUSES,
          ownerId: q.viewer === 'organizer' ? organizerId : null,
        };
        const want = reference(q).map((r) => r.id);
        for (const ftsSetMax of [0, 1_000_000]) {
          const got = (await listEventKeys(store.db, filter, { ftsSetMax })).map((k) => k.id);
          expect(got, `seed ${SEED}, ${JSON.stringify(q)} ftsSetMax ${ftsSetMax}`).toEqual(want);
        }
      }
    } finally {
      await store.close();
    }
  });
});
