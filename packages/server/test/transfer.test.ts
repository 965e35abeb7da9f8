// @dialects sqlite postgres
/**
 * Import and export (SPEC §15) over real HTTP against real `kairos serve` processes: the
 * campusconnect sample (docs/samples) creates its good records with the corrected instants and
 * reports each bad one with its line and reason; dry runs and refused atomic imports write
 * nothing; re-imports skip; an export imported into an empty database reproduces every event;
 * the routes are admin-only and speak JSON Lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addOrganizer, createEvent, ok } from './support/fixtures.ts';
import { ROOT, startServer, stopAll, type TestServer } from './support/server.ts';

const SAMPLE = fs.readFileSync(path.join(ROOT, 'docs/samples/campusconnect.jsonl'), 'utf8');
const NDJSON = { 'content-type': 'application/x-ndjson' };

// One server for the whole file (starting one is the slow part); the round trip adds an empty one.
let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(stopAll);

async function importText(server: TestServer, text: string, query: string) {
  return server.api('POST', `/events/import${query}`, { token: server.adminToken, body: text, headers: NDJSON });
}

async function allEvents(server: TestServer) {
  const r = await ok(server.request('GET', '/api/v1/events/export', { token: server.adminToken }), 200);
  return r.text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('campusconnect', () => {
  test('dry run and a refused atomic import write nothing; both report what they found', async () => {
    for (const query of [
      '?format=campusconnect&dryRun=true',
      '?format=campusconnect&atomic=true',
      '?format=campusconnect&dryRun=true&atomic=true',
    ]) {
      const r = await ok(importText(server, SAMPLE, query), 200);
      expect(r.json.rejected.map((x: { line: number }) => x.line)).toEqual([5, 6, 7, 8]);
      expect(r.json.created, query).toBe(query.includes('atomic') ? 0 : 4);
      expect(await allEvents(server)).toEqual([]);
    }
  });

  test('the good records are created with their wall times read in Asia/Kolkata; each bad one says why', async () => {
    const r = await ok(importText(server, SAMPLE, '?format=campusconnect'), 200);
    expect(r.json.created).toBe(4);
    expect(r.json.skipped).toBe(0);
    const rejected = Object.fromEntries(
      r.json.rejected.map((x: { line: number; id: string; details: { path: string; message: string }[] }) => [x.line, x]),
    );
    expect(rejected[5]).toMatchObject({
      id: 'cc-1005',
      details: [{ path: 'startsAt', message: 'must be at or after registrationClosesAt' }],
    });
    expect(rejected[6].id).toBe('cc-1006');
    expect(rejected[6].details[0].path).toBe('timezone');
    expect(rejected[6].details[0].message).toMatch(/unknown time zone "Asia\/Atlantis"/);
    expect(rejected[7]).toMatchObject({ id: 'cc-1007', details: [{ path: 'title', message: 'is required' }] });
    expect(rejected[8].id).toBe('cc-1008');
    expect(rejected[8].details).toEqual([{ path: 'startsAt', message: 'start_datetime is not a MongoDB date ({"$date": …})' }]);

    const byId = Object.fromEntries((await allEvents(server)).map((e) => [e.id, e]));
    expect(Object.keys(byId).sort()).toEqual(['cc-1001', 'cc-1002', 'cc-1003', 'cc-1004']);
    // 10:00 "UTC" in the old system was 10:00 in Kolkata (+05:30): 04:30 UTC.
    expect(byId['cc-1001']).toMatchObject({
      title: 'Annual Tech Fest, Day 1',
      description: 'Talks, demos and a hackathon.\nBring a laptop.',
      venue: 'Main Auditorium',
      capacity: 300,
      timezone: 'Asia/Kolkata',
      registrationOpensAt: '2027-01-01T03:30:00.000Z',
      registrationClosesAt: '2027-01-14T12:30:00.000Z',
      startsAt: '2027-01-15T04:30:00.000Z',
      endsAt: '2027-01-15T12:00:00.000Z',
      certificatesOpenAt: '2027-01-16T03:30:00.000Z',
      certificatesCloseAt: '2027-02-15T18:29:00.000Z',
      status: 'upcoming',
      phase: 'registration_not_started',
    });
    // Canonical dates ({"$numberLong"}); no certificate_start_date: certificates open at the end.
    expect(byId['cc-1002']).toMatchObject({
      description: 'A lecture by a visiting professor',
      capacity: null,
      registrationOpensAt: null,
      startsAt: '2027-02-20T04:00:00.000Z',
      endsAt: '2027-02-20T05:30:00.000Z',
      certificatesOpenAt: '2027-02-20T05:30:00.000Z',
      certificatesCloseAt: '2027-03-01T12:30:00.000Z',
      status: 'upcoming',
      phase: 'scheduled',
    });
    expect(byId['cc-1003']).toMatchObject({ status: 'pending_approval', phase: 'pending_approval', certificatesCloseAt: null });
    expect(byId['cc-1004']).toMatchObject({ status: 'declined', startsAt: '2027-03-10T16:30:00.000Z' });
    const history = await ok(server.api('GET', '/events/cc-1004/history', { token: server.adminToken }), 200);
    expect(history.json.items[0]).toMatchObject({ cause: 'create', to: { status: 'declined' } });
    expect(JSON.stringify(history.json.items[0])).toContain('dean');
    // The two approved ones got their triggers with them: six boundaries and four (none for the others).
    const sched = await ok(server.api('GET', '/scheduler', { token: server.adminToken }), 200);
    expect(sched.json.triggersQueued).toBe(6 + 4);

    const again = await ok(importText(server, SAMPLE, '?format=campusconnect'), 200);
    expect(again.json).toMatchObject({ created: 0, skipped: 4 });
  });

  test('--source-timezone reads the wall times in another zone, which becomes the events’ zone', async () => {
    const line = SAMPLE.split('\n')[1] ?? '';
    const fresh = line.replace('"cc-1002"', '"cc-2002"');
    const r = await ok(importText(server, fresh, '?format=campusconnect&sourceTimezone=America/New_York'), 200);
    expect(r.json.created).toBe(1);
    const e = (await ok(server.api('GET', '/events/cc-2002'), 200)).json;
    // 09:30 on 20 Feb 2027 in New York (EST, −05:00).
    expect(e).toMatchObject({ timezone: 'America/New_York', startsAt: '2027-02-20T14:30:00.000Z' });
    const bad = await importText(server, fresh, '?format=campusconnect&sourceTimezone=Mars/Olympus');
    expect(bad.status).toBe(400);
    expect(bad.json.error.details[0].path).toBe('sourceTimezone');
  });
});

test('an export imported into an empty database reproduces every event: fields, status and phase', async () => {
  // The source: this file's server, holding the campusconnect events too.
  const a = server;
  const org = await addOrganizer(a, 'transfer-org@example.test');
  const hour = 3_600_000;
  const t = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  await createEvent(a, {
    title: 'Open now, “quoted”, ünïcödé 你好',
    description: 'line one\nline two',
    venue: 'Hall; B',
    timezone: 'Asia/Kathmandu',
    capacity: 40,
    registrationOpensAt: iso(t - hour),
    registrationClosesAt: iso(t + 10 * hour),
    startsAt: iso(t + 20 * hour),
    endsAt: iso(t + 22 * hour),
    certificatesOpenAt: iso(t + 23 * hour),
    certificatesCloseAt: iso(t + 200 * hour),
  });
  await createEvent(a, { title: 'Over', startsAt: iso(t - 30 * hour), endsAt: iso(t - 20 * hour) });
  await createEvent(
    a,
    { title: 'Draft', draft: true, startsAt: '2031-01-01T10:00', endsAt: '2031-01-01T12:00', timezone: 'Europe/Berlin' },
    org.token,
  );
  await createEvent(a, { title: 'Pending', startsAt: '2031-02-01T10:00:00Z', endsAt: '2031-02-01T12:00:00Z' }, org.token);
  const declined = await createEvent(
    a,
    { title: 'Declined', startsAt: '2031-03-01T10:00:00Z', endsAt: '2031-03-01T12:00:00Z' },
    org.token,
  );
  await ok(a.api('POST', `/events/${declined.id}/decline`, { token: a.adminToken, json: { reason: 'no' } }), 200);
  const cancelled = await createEvent(a, {
    title: 'Cancelled',
    startsAt: '2031-04-01T10:00:00Z',
    endsAt: '2031-04-01T12:00:00Z',
  });
  await ok(a.api('POST', `/events/${cancelled.id}/cancel`, { token: a.adminToken, json: { reason: 'rain' } }), 200);

  const res = await fetch(`${a.url}/api/v1/events/export`, { headers: { authorization: `Bearer ${a.adminToken}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
  const exported = await res.text();
  const count = exported.trim().split('\n').length;
  // Six made here, plus the campusconnect events when the tests above ran first.
  expect(count).toBeGreaterThanOrEqual(6);

  const b = await startServer();
  const r = await ok(importText(b, exported, ''), 200);
  expect(r.json).toEqual({ created: count, skipped: 0, rejected: [] });
  const strip = ({ version: _v, createdBy: _b, createdAt: _c, updatedAt: _u, ...rest }: Record<string, unknown>) => rest;
  const before = (await allEvents(a)).map(strip);
  const after = (await allEvents(b)).map(strip);
  expect(after).toEqual(before);
  expect([...new Set(before.map((e) => `${e.status}/${e.phase}`))]).toEqual(
    expect.arrayContaining([
      'upcoming/registration_open',
      'completed/ended',
      'draft/draft',
      'pending_approval/pending_approval',
      'declined/declined',
      'cancelled/cancelled',
    ]),
  );
  // The same file as a JSON array is the same import (everything exists now: all skipped).
  const array = `[${exported.trim().split('\n').join(',')}]`;
  expect(
    (
      await ok(
        b.api('POST', '/events/import', { token: b.adminToken, body: array, headers: { 'content-type': 'application/json' } }),
        200,
      )
    ).json,
  ).toEqual({
    created: 0,
    skipped: count,
    rejected: [],
  });
  // Starting the second server is most of this test's time; generous for a loaded machine.
}, 180_000);

test('export and import are for admins only, and speak JSON Lines or a JSON array', async () => {
  const s = server;
  const org = await addOrganizer(s, 'transfer-perm@example.test');
  expect((await s.api('GET', '/events/export')).status).toBe(401);
  expect((await s.api('GET', '/events/export', { token: org.token })).status).toBe(403);
  expect((await s.api('POST', '/events/import', { body: '{}', headers: NDJSON })).status).toBe(401);
  const forbidden = await s.api('POST', '/events/import', { token: org.token, body: '{}', headers: NDJSON });
  expect(forbidden.status).toBe(403);
  const object = await s.api('POST', '/events/import', { token: s.adminToken, json: { title: 'not an array' } });
  expect(object.status).toBe(400);
  expect(object.json.error.code).toBe('validation_failed');
  const text = await s.api('POST', '/events/import', {
    token: s.adminToken,
    body: 'hello',
    headers: { 'content-type': 'text/plain' },
  });
  expect(text.status).toBe(415);
  const badFormat = await s.api('POST', '/events/import?format=csv', { token: s.adminToken, body: '', headers: NDJSON });
  expect(badFormat.status).toBe(400);
  // A line that is not JSON, an unknown field and a bad id are rejected with their line; the rest is created.
  const lines = [
    '{"title":"Good","startsAt":"2031-05-01T10:00:00Z","endsAt":"2031-05-01T11:00:00Z","id":"keep_me-1"}',
    'not json',
    '{"title":"Unknown field","startsAt":"2031-05-01T10:00:00Z","endsAt":"2031-05-01T11:00:00Z","colour":"red"}',
    '',
    '{"title":"Bad id","id":"no spaces allowed","startsAt":"2031-05-01T10:00:00Z","endsAt":"2031-05-01T11:00:00Z"}',
    '{"title":"Gap","timezone":"Europe/Berlin","startsAt":"2031-03-30T02:30","endsAt":"2031-03-30T05:00"}',
  ].join('\n');
  const r = await ok(importText(s, lines, '?format=kairos'), 200);
  expect(r.json.created).toBe(1);
  expect(r.json.rejected).toEqual([
    { line: 2, id: null, details: [{ path: '', message: 'the line is not valid JSON' }] },
    { line: 3, id: null, details: [{ path: 'colour', message: 'is not a known field of the record' }] },
    { line: 5, id: 'no spaces allowed', details: [{ path: 'id', message: 'must be 1–64 of A-Z a-z 0-9 _ -' }] },
    { line: 6, id: null, details: [{ path: 'startsAt', message: expect.stringMatching(/does not exist in Europe\/Berlin/) }] },
  ]);
  await ok(s.api('GET', '/events/keep_me-1'), 200);
});
