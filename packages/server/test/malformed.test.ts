/**
 * A battery of malformed requests against a real `kairos serve` process (SPEC §6): every one gets
 * the exact status and error code, the `{error: {code, message, details?}}` shape, a
 * `details[].path` naming the field where the SPEC asks for it — never a 5xx — and leaves the
 * database exactly as it was (I4: a request that got a 4xx changed nothing).
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ApiResponse, type RequestOptions, startServer, stopAll, type TestServer } from './support/server.ts';

interface Snapshot {
  counts: Record<string, number>;
  hashes: Record<string, string>;
}

/** Row counts and a hash of every table (sessions excepted: logging in writes them), rows in a stable order. */
function snapshot(db: Database.Database): Snapshot {
  const counts: Record<string, number> = {};
  const hashes: Record<string, string> = {};
  const read = db.transaction(() => {
    const tables = db
      .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name <> 'sessions'")
      .pluck()
      .all() as string[];
    for (const table of tables.sort()) {
      const rows = db
        .prepare(`select * from "${table}"`)
        .all()
        .map((r) => JSON.stringify(r))
        .sort();
      counts[table] = rows.length;
      hashes[table] = createHash('sha256').update(rows.join('\n')).digest('hex');
    }
  });
  read();
  return { counts, hashes };
}

// Far-future dates: nothing fires while the battery runs, so the database must stay byte-equal.
const VALID = { title: 'Valid', startsAt: '2031-06-01T10:00:00Z', endsAt: '2031-06-01T12:00:00Z' } as const;
const REG = { registrationOpensAt: '2031-05-01T00:00:00Z', registrationClosesAt: '2031-05-31T00:00:00Z' } as const;
const CERT = { certificatesOpenAt: '2031-06-02T00:00:00Z', certificatesCloseAt: '2031-07-01T00:00:00Z' } as const;
const without = (key: keyof typeof VALID) => Object.fromEntries(Object.entries(VALID).filter(([k]) => k !== key));

type Who = 'admin' | 'none' | 'forged';

interface Case {
  name: string;
  method?: string;
  /** Path under /api/v1; `:id` becomes the id of the existing approved event. */
  path?: string;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  who?: Who;
  status: number;
  code: string;
  /** A `details[].path` that must be present. */
  detail?: string;
}

const CASES: Case[] = [
  // Wrong types (bodies are not coerced: "5" is not a number).
  { name: 'title is a number', json: { ...VALID, title: 5 }, status: 400, code: 'validation_failed', detail: 'title' },
  { name: 'title is an array', json: { ...VALID, title: ['a'] }, status: 400, code: 'validation_failed', detail: 'title' },
  { name: 'capacity is a string', json: { ...VALID, capacity: '5' }, status: 400, code: 'validation_failed', detail: 'capacity' },
  { name: 'capacity is 0', json: { ...VALID, capacity: 0 }, status: 400, code: 'validation_failed', detail: 'capacity' },
  { name: 'capacity is -3', json: { ...VALID, capacity: -3 }, status: 400, code: 'validation_failed', detail: 'capacity' },
  { name: 'capacity is 1.5', json: { ...VALID, capacity: 1.5 }, status: 400, code: 'validation_failed', detail: 'capacity' },
  { name: 'startsAt is a number', json: { ...VALID, startsAt: 123 }, status: 400, code: 'validation_failed', detail: 'startsAt' },
  { name: 'endsAt is an object', json: { ...VALID, endsAt: {} }, status: 400, code: 'validation_failed', detail: 'endsAt' },
  { name: 'draft is a string', json: { ...VALID, draft: 'yes' }, status: 400, code: 'validation_failed', detail: 'draft' },
  { name: 'startsAt is empty', json: { ...VALID, startsAt: '' }, status: 400, code: 'validation_failed', detail: 'startsAt' },
  {
    name: 'startsAt is not a date',
    json: { ...VALID, startsAt: 'tomorrow' },
    status: 400,
    code: 'validation_failed',
    detail: 'startsAt',
  },
  // Missing required fields.
  { name: 'title missing', json: without('title'), status: 400, code: 'validation_failed', detail: 'title' },
  { name: 'startsAt missing', json: without('startsAt'), status: 400, code: 'validation_failed', detail: 'startsAt' },
  { name: 'endsAt missing', json: without('endsAt'), status: 400, code: 'validation_failed', detail: 'endsAt' },
  { name: 'startsAt null', json: { ...VALID, startsAt: null }, status: 400, code: 'validation_failed', detail: 'startsAt' },
  // Lengths (after trimming, in code points).
  { name: 'title empty', json: { ...VALID, title: '' }, status: 400, code: 'validation_failed', detail: 'title' },
  { name: 'title whitespace', json: { ...VALID, title: ' \t\n ' }, status: 400, code: 'validation_failed', detail: 'title' },
  // Text that lies about what it shows (core textProblem; issue 10 "Smaller").
  ...Object.entries({
    'only zero-width characters': '\u200b\u200d\u2060',
    'a C0 control': 'Launch\u0007',
    'a line break': 'Launch\nparty',
    'a bidi override': 'Launch \u202egnp.exe',
    'a bidi isolate': 'Launch \u2067x\u2069',
    'a lone surrogate': 'Launch \ud800',
  }).map(([what, title]) => ({
    name: `title with ${what}`,
    json: { ...VALID, title },
    status: 400,
    code: 'validation_failed',
    detail: 'title',
  })),
  {
    name: 'venue with a bidi embedding',
    json: { ...VALID, venue: '\u202bHall' },
    status: 400,
    code: 'validation_failed',
    detail: 'venue',
  },
  {
    name: 'description with NUL',
    json: { ...VALID, description: 'a\u0000b' },
    status: 400,
    code: 'validation_failed',
    detail: 'description',
  },
  {
    name: 'title 201 characters',
    json: { ...VALID, title: 'a'.repeat(201) },
    status: 400,
    code: 'validation_failed',
    detail: 'title',
  },
  {
    name: 'title 201 code points (astral)',
    json: { ...VALID, title: '😀'.repeat(201) },
    status: 400,
    code: 'validation_failed',
    detail: 'title',
  },
  {
    name: 'description 10001 characters',
    json: { ...VALID, description: 'd'.repeat(10_001) },
    status: 400,
    code: 'validation_failed',
    detail: 'description',
  },
  {
    name: 'description 10001 code points (astral)',
    json: { ...VALID, description: '😀'.repeat(10_001) },
    status: 400,
    code: 'validation_failed',
    detail: 'description',
  },
  {
    name: 'venue 301 characters',
    json: { ...VALID, venue: 'v'.repeat(301) },
    status: 400,
    code: 'validation_failed',
    detail: 'venue',
  },
  // Order and pairs: an order violation names the later field of the pair.
  {
    name: 'endsAt before startsAt',
    json: { ...VALID, endsAt: '2031-06-01T09:00:00Z' },
    status: 400,
    code: 'validation_failed',
    detail: 'endsAt',
  },
  {
    name: 'endsAt equal to startsAt',
    json: { ...VALID, endsAt: VALID.startsAt },
    status: 400,
    code: 'validation_failed',
    detail: 'endsAt',
  },
  {
    name: 'registrationOpensAt without registrationClosesAt',
    json: { ...VALID, registrationOpensAt: REG.registrationOpensAt },
    status: 400,
    code: 'validation_failed',
    detail: 'registrationClosesAt',
  },
  {
    name: 'registrationClosesAt without registrationOpensAt',
    json: { ...VALID, registrationClosesAt: REG.registrationClosesAt },
    status: 400,
    code: 'validation_failed',
    detail: 'registrationOpensAt',
  },
  {
    name: 'certificatesOpenAt without certificatesCloseAt',
    json: { ...VALID, certificatesOpenAt: CERT.certificatesOpenAt },
    status: 400,
    code: 'validation_failed',
    detail: 'certificatesCloseAt',
  },
  {
    name: 'certificatesCloseAt without certificatesOpenAt',
    json: { ...VALID, certificatesCloseAt: CERT.certificatesCloseAt },
    status: 400,
    code: 'validation_failed',
    detail: 'certificatesOpenAt',
  },
  {
    name: 'registrationClosesAt before registrationOpensAt',
    json: { ...VALID, ...REG, registrationClosesAt: '2031-04-01T00:00:00Z' },
    status: 400,
    code: 'validation_failed',
    detail: 'registrationClosesAt',
  },
  {
    name: 'registrationClosesAt equal to registrationOpensAt',
    json: { ...VALID, ...REG, registrationClosesAt: REG.registrationOpensAt },
    status: 400,
    code: 'validation_failed',
    detail: 'registrationClosesAt',
  },
  {
    name: 'registrationClosesAt after startsAt',
    json: { ...VALID, ...REG, registrationClosesAt: '2031-06-01T10:00:00.001Z' },
    status: 400,
    code: 'validation_failed',
    detail: 'startsAt',
  },
  {
    name: 'certificatesOpenAt before endsAt',
    json: { ...VALID, ...CERT, certificatesOpenAt: '2031-06-01T11:59:59.999Z' },
    status: 400,
    code: 'validation_failed',
    detail: 'certificatesOpenAt',
  },
  {
    name: 'certificatesCloseAt before certificatesOpenAt',
    json: { ...VALID, ...CERT, certificatesCloseAt: '2031-06-01T23:00:00Z' },
    status: 400,
    code: 'validation_failed',
    detail: 'certificatesCloseAt',
  },
  {
    name: 'startsAt in year 10000',
    json: { ...VALID, startsAt: '10000-06-01T10:00:00Z' },
    status: 400,
    code: 'validation_failed',
    detail: 'startsAt',
  },
  {
    name: 'startsAt with offset +25:00',
    json: { ...VALID, startsAt: '2031-06-01T10:00:00+25:00' },
    status: 400,
    code: 'validation_failed',
    detail: 'startsAt',
  },
  // Time zones, wall times and the calendar.
  {
    name: 'unknown time zone',
    json: { ...VALID, timezone: 'Mars/Olympus_Mons' },
    status: 400,
    code: 'validation_failed',
    detail: 'timezone',
  },
  {
    name: 'offset as time zone',
    json: { ...VALID, timezone: '+05:30' },
    status: 400,
    code: 'validation_failed',
    detail: 'timezone',
  },
  {
    name: 'wall time skipped by DST (America/New_York 2027-03-14T02:30)',
    json: { ...VALID, timezone: 'America/New_York', startsAt: '2027-03-14T02:30', endsAt: '2027-03-14T05:00' },
    status: 400,
    code: 'invalid_local_time',
    detail: 'startsAt',
  },
  {
    name: 'impossible date 2027-02-30T10:00',
    json: { ...VALID, startsAt: '2027-02-30T10:00', endsAt: '2027-03-01T10:00' },
    status: 400,
    code: 'validation_failed',
    detail: 'startsAt',
  },
  {
    name: 'impossible hour 2027-03-01T24:30',
    json: { ...VALID, startsAt: '2027-03-01T24:30', endsAt: '2027-03-02T10:00' },
    status: 400,
    code: 'validation_failed',
    detail: 'startsAt',
  },
  // Shape of the body.
  { name: 'unknown field', json: { ...VALID, colour: 'red' }, status: 400, code: 'validation_failed', detail: 'colour' },
  { name: 'body null', body: 'null', status: 400, code: 'validation_failed' },
  { name: 'body []', body: '[]', status: 400, code: 'validation_failed' },
  { name: 'body "str"', body: '"str"', status: 400, code: 'validation_failed' },
  { name: 'body 42', body: '42', status: 400, code: 'validation_failed' },
  { name: 'body not JSON', body: '{bad', status: 400, code: 'invalid_json' },
  { name: 'body JSON with trailing garbage', body: '{"title":"x"} x', status: 400, code: 'invalid_json' },
  { name: 'body empty with a JSON content type', body: '', status: 400, code: 'invalid_json' },
  {
    name: 'wrong content type text/plain',
    body: JSON.stringify(VALID),
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'wrong content type application/x-www-form-urlencoded',
    body: 'title=x',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'body larger than 100 KB',
    body: JSON.stringify({ ...VALID, description: 'x'.repeat(110 * 1024) }),
    status: 413,
    code: 'payload_too_large',
  },
  // Query strings.
  { name: 'limit=0', method: 'GET', path: '/events?limit=0', status: 400, code: 'validation_failed', detail: 'limit' },
  { name: 'limit=201', method: 'GET', path: '/events?limit=201', status: 400, code: 'validation_failed', detail: 'limit' },
  { name: 'limit=abc', method: 'GET', path: '/events?limit=abc', status: 400, code: 'validation_failed', detail: 'limit' },
  { name: 'status=bogus', method: 'GET', path: '/events?status=bogus', status: 400, code: 'validation_failed', detail: 'status' },
  {
    name: 'phase=bogus',
    method: 'GET',
    path: '/events?phase=upcoming,bogus',
    status: 400,
    code: 'validation_failed',
    detail: 'phase',
  },
  {
    name: 'cursor=garbage',
    method: 'GET',
    path: '/events?cursor=garbage',
    status: 400,
    code: 'validation_failed',
    detail: 'cursor',
  },
  {
    name: 'from=not-a-date',
    method: 'GET',
    path: '/events?from=not-a-date',
    status: 400,
    code: 'validation_failed',
    detail: 'from',
  },
  { name: 'limit=1.5', method: 'GET', path: '/events?limit=1.5', status: 400, code: 'validation_failed', detail: 'limit' },
  {
    name: 'q of 201 characters',
    method: 'GET',
    path: `/events?q=${'q'.repeat(201)}`,
    status: 400,
    code: 'validation_failed',
    detail: 'q',
  },
  {
    name: 'to=2027-02-30T10:00',
    method: 'GET',
    path: '/events?to=2027-02-30T10:00',
    status: 400,
    code: 'validation_failed',
    detail: 'to',
  },
  {
    name: 'history limit=0',
    method: 'GET',
    path: '/events/:id/history?limit=0',
    status: 400,
    code: 'validation_failed',
    detail: 'limit',
  },
  {
    name: 'history cursor=garbage',
    method: 'GET',
    path: '/events/:id/history?cursor=%%%',
    status: 400,
    code: 'validation_failed',
    detail: 'cursor',
  },
  // Unknown ids.
  { name: 'GET unknown event', method: 'GET', path: '/events/ev_doesnotexist', status: 404, code: 'not_found' },
  {
    name: 'PATCH unknown event',
    method: 'PATCH',
    path: '/events/ev_doesnotexist',
    json: { title: 'x' },
    status: 404,
    code: 'not_found',
  },
  { name: 'DELETE unknown event', method: 'DELETE', path: '/events/ev_doesnotexist', status: 404, code: 'not_found' },
  { name: 'approve unknown event', method: 'POST', path: '/events/ev_doesnotexist/approve', status: 404, code: 'not_found' },
  { name: 'history of unknown event', method: 'GET', path: '/events/ev_doesnotexist/history', status: 404, code: 'not_found' },
  { name: 'bad percent-encoding in the URL', method: 'GET', path: '/events/%E0%A4%A', status: 400, code: 'validation_failed' },
  { name: 'id longer than any id', method: 'GET', path: `/events/ev_${'x'.repeat(200)}`, status: 404, code: 'not_found' },
  // Login.
  {
    name: 'login without email and password',
    path: '/auth/login',
    json: {},
    who: 'none',
    status: 400,
    code: 'validation_failed',
    detail: 'email',
  },
  {
    name: 'login with a numeric email',
    path: '/auth/login',
    json: { email: 5, password: 'x' },
    who: 'none',
    status: 400,
    code: 'validation_failed',
    detail: 'email',
  },
  {
    name: 'login with a body that is not JSON',
    path: '/auth/login',
    body: '{bad',
    who: 'none',
    status: 400,
    code: 'invalid_json',
  },
  // Edits of the existing event.
  {
    name: 'PATCH with a stale body version',
    method: 'PATCH',
    path: '/events/:id',
    json: { title: 'Lost update', version: 0 },
    status: 409,
    code: 'version_conflict',
  },
  {
    name: 'PATCH with a stale If-Match',
    method: 'PATCH',
    path: '/events/:id',
    json: { title: 'Lost update' },
    headers: { 'if-match': '"7-registration_not_started"' },
    status: 409,
    code: 'version_conflict',
  },
  {
    name: 'PATCH with an If-Match this server never issued',
    method: 'PATCH',
    path: '/events/:id',
    json: { title: 'Lost update' },
    headers: { 'if-match': 'garbage' },
    status: 409,
    code: 'version_conflict',
  },
  {
    name: 'PATCH endsAt before startsAt',
    method: 'PATCH',
    path: '/events/:id',
    json: { endsAt: '2031-06-01T09:00:00Z' },
    status: 400,
    code: 'validation_failed',
    detail: 'endsAt',
  },
  {
    name: 'PATCH title null',
    method: 'PATCH',
    path: '/events/:id',
    json: { title: null },
    status: 400,
    code: 'validation_failed',
    detail: 'title',
  },
  {
    name: 'PATCH unknown time zone',
    method: 'PATCH',
    path: '/events/:id',
    json: { timezone: 'Not/AZone' },
    status: 400,
    code: 'validation_failed',
    detail: 'timezone',
  },
  {
    name: 'PATCH unknown field',
    method: 'PATCH',
    path: '/events/:id',
    json: { colour: 'red' },
    status: 400,
    code: 'validation_failed',
    detail: 'colour',
  },
  {
    name: 'PATCH ?dryRun=maybe',
    method: 'PATCH',
    path: '/events/:id?dryRun=maybe',
    json: { title: 'x' },
    status: 400,
    code: 'validation_failed',
    detail: 'dryRun',
  },
  // Workflow.
  { name: 'approve an approved event', method: 'POST', path: '/events/:id/approve', status: 409, code: 'invalid_state' },
  { name: 'submit an approved event', method: 'POST', path: '/events/:id/submit', status: 409, code: 'invalid_state' },
  {
    name: 'decline without a reason',
    method: 'POST',
    path: '/events/:id/decline',
    json: {},
    status: 400,
    code: 'validation_failed',
    detail: 'reason',
  },
  {
    name: 'decline an approved event',
    method: 'POST',
    path: '/events/:id/decline',
    json: { reason: 'no' },
    status: 409,
    code: 'invalid_state',
  },
  // Authentication.
  { name: 'no token on POST /events', json: VALID, who: 'none', status: 401, code: 'unauthenticated' },
  { name: 'forged bearer on POST /events', json: VALID, who: 'forged', status: 401, code: 'unauthenticated' },
  {
    name: 'no token on PATCH',
    method: 'PATCH',
    path: '/events/:id',
    json: { title: 'x' },
    who: 'none',
    status: 401,
    code: 'unauthenticated',
  },
  { name: 'no token on DELETE', method: 'DELETE', path: '/events/:id', who: 'none', status: 401, code: 'unauthenticated' },
  { name: 'no token on approve', method: 'POST', path: '/events/:id/approve', who: 'none', status: 401, code: 'unauthenticated' },
  { name: 'forged bearer on GET /events', method: 'GET', path: '/events', who: 'forged', status: 401, code: 'unauthenticated' },
  {
    name: 'malformed Authorization header',
    json: VALID,
    headers: { authorization: 'Basic YWRtaW46YWRtaW4=' },
    who: 'none',
    status: 401,
    code: 'unauthenticated',
  },
  {
    name: 'no token with an invalid body still 401 (auth before validation)',
    json: { title: 5 },
    who: 'none',
    status: 401,
    code: 'unauthenticated',
  },
];

let server: TestServer;
let ro: Database.Database;
let eventId = '';
let before: Snapshot;

beforeAll(async () => {
  server = await startServer();
  const created = await server.api('POST', '/events', {
    token: server.adminToken,
    json: { ...VALID, title: 'The existing event', ...REG, ...CERT },
  });
  expect(created.status, created.text).toBe(201);
  eventId = created.json.id;
  ro = new Database(server.dbPath, { readonly: true, fileMustExist: true });
  ro.pragma('busy_timeout = 5000');
  before = snapshot(ro);
  expect(before.counts).toMatchObject({ events: 1, triggers: 6, history: 1 });
});

afterAll(async () => {
  ro?.close();
  await stopAll();
});

function send(c: Case): Promise<ApiResponse> {
  const token = c.who === 'none' ? undefined : c.who === 'forged' ? 'forged.token.value' : server.adminToken;
  const opts: RequestOptions = { token, headers: { ...(c.headers ?? {}) } };
  if (c.json !== undefined) opts.json = c.json;
  if (c.body !== undefined) {
    opts.body = c.body;
    opts.headers = { 'content-type': 'application/json', ...opts.headers };
  }
  const path = (c.path ?? '/events').replace(':id', encodeURIComponent(eventId));
  return server.api(c.method ?? 'POST', path, opts);
}

describe('malformed requests', () => {
  test('the battery has at least 30 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await send(c);
    const context = `${c.method ?? 'POST'} ${c.path ?? '/events'} -> ${r.status} ${r.text.slice(0, 500)}`;
    expect(r.status, context).toBeLessThan(500);
    expect(r.status, context).toBe(c.status);
    expect(r.headers.get('content-type') ?? '', context).toMatch(/^application\/json/);
    expect(r.json, context).toEqual({
      error: expect.objectContaining({ code: c.code, message: expect.any(String) }),
    });
    expect(Object.keys(r.json.error).sort(), context).toEqual(
      r.json.error.details === undefined ? ['code', 'message'] : ['code', 'details', 'message'],
    );
    expect(r.json.error.message.length, context).toBeGreaterThan(0);
    if (r.json.error.details !== undefined) {
      expect(Array.isArray(r.json.error.details), context).toBe(true);
      expect(r.json.error.details.length, context).toBeGreaterThan(0);
      for (const d of r.json.error.details) {
        expect(d, context).toEqual({ path: expect.any(String), message: expect.any(String) });
      }
    }
    if (c.detail !== undefined) {
      const paths = (r.json.error.details ?? []).map((d: { path: string }) => d.path);
      expect(paths, context).toContain(c.detail);
    }
    if (c.name === 'unknown field') expect(r.json.error.message, context).toContain('colour');
    // Nothing changed, after every single case.
    expect(snapshot(ro), context).toEqual(before);
  });

  test('the database is unchanged after the whole battery', async () => {
    expect(snapshot(ro)).toEqual(before);
    const list = await server.api('GET', '/events?limit=200', { token: server.adminToken });
    expect(list.status).toBe(200);
    expect(list.json.items).toHaveLength(1);
    expect(list.json.items[0]).toMatchObject({ id: eventId, title: 'The existing event', version: 1 });
    const history = await server.api('GET', `/events/${eventId}/history`, { token: server.adminToken });
    expect(history.status).toBe(200);
    expect(history.json.items).toHaveLength(1);
    expect(history.json.items[0].cause).toBe('create');
  });

  test('the server is still healthy and logged no unhandled error', async () => {
    const health = await server.request('GET', '/healthz');
    expect(health.status).toBe(200);
    expect(server.output).not.toMatch(/unhandled error/);
  });
});

describe('read-only fields in a body', () => {
  test('id, status, phase and version on create are ignored, not rejected', async () => {
    const r = await server.api('POST', '/events', {
      token: server.adminToken,
      json: {
        ...VALID,
        title: '  Read-only fields  ',
        id: 'ev_chosen_by_client',
        status: 'completed',
        phase: 'ended',
        version: 42,
        nextTransition: null,
        createdBy: 'someone-else',
        createdAt: '2000-01-01T00:00:00.000Z',
        updatedAt: '2000-01-01T00:00:00.000Z',
      },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json.id).not.toBe('ev_chosen_by_client');
    expect(r.json).toMatchObject({ title: 'Read-only fields', status: 'upcoming', phase: 'scheduled', version: 1 });
    expect(r.json.createdBy).not.toBe('someone-else');
    expect(r.json.createdAt).not.toBe('2000-01-01T00:00:00.000Z');
    const missing = await server.api('GET', '/events/ev_chosen_by_client', { token: server.adminToken });
    expect(missing.status).toBe(404);
  });

  test('read-only fields on PATCH are ignored too', async () => {
    const got = await server.api('GET', `/events/${eventId}`, { token: server.adminToken });
    expect(got.status).toBe(200);
    const r = await server.api('PATCH', `/events/${eventId}`, {
      token: server.adminToken,
      json: { ...got.json, title: 'Edited', id: 'ev_other', status: 'cancelled', phase: 'cancelled' },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ id: eventId, title: 'Edited', status: 'upcoming', version: 2 });
  });

  test('a title of exactly 200 code points is accepted', async () => {
    const r = await server.api('POST', '/events', {
      token: server.adminToken,
      json: { ...VALID, title: ` ${'😀'.repeat(200)} ` },
    });
    expect(r.status, r.text).toBe(201);
    expect([...r.json.title]).toHaveLength(200);
  });
});
