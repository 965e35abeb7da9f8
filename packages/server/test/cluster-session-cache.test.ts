// @dialects postgres
/**
 * A create or an edit through an instance that looked the session up lately takes it from memory
 * (`authenticateForWrite`) and checks it again in the write's own BEGIN; a request that ends
 * without such a write checks it before answering. Either way, a session revoked on another
 * instance, or whose user's role changed, is refused with 401 and nothing is written — as if it
 * had been looked up before the request, which is what every other request does.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { addOrganizer, createEvent, ok } from './support/fixtures.ts';
import { rawRows, rawSql } from './support/raw-sql.ts';
import { freshDatabase, stopAll, TestServer } from './support/server.ts';
import { datesBody } from './support/timeline.ts';

afterAll(stopAll);

const DAY = 86_400_000;
let database: string;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  database = await freshDatabase();
  [a, b] = await Promise.all([new TestServer(database, {}).start(), new TestServer(database, {}).start()]);
});

const dates = (day: number) => {
  const at = Date.now() + day * DAY;
  return datesBody({ startsAt: at, endsAt: at + 3_600_000 });
};
const count = async (sql: string, ...args: unknown[]) => Number((await rawRows<{ n: string }>(database, sql, ...args))[0]?.n);

/** An organizer signed in, whose session instance `a` has looked up (and so holds). */
async function organizerKnownToA(email: string) {
  const organizer = await addOrganizer(a, email);
  const own = await createEvent(a, { title: 'Mine', ...dates(30) }, organizer.token);
  await ok(a.api('PATCH', `/events/${own.id}`, { token: organizer.token, json: { venue: 'Room 1' } }), 200);
  return { ...organizer, event: own.id };
}

test('a session revoked on another instance: the next create and edit are refused, and write nothing', async () => {
  const o = await organizerKnownToA('revoked@example.com');
  await ok(b.api('POST', '/auth/logout', { token: o.token }), 204);
  const events = await count('select count(*) as n from events');
  const history = await count('select count(*) as n from history');

  const created = await a.api('POST', '/events', { token: o.token, json: { title: 'After logout', ...dates(31) } });
  expect(created.status).toBe(401);
  expect(created.headers.get('location')).toBeNull();
  const edited = await a.api('PATCH', `/events/${o.event}`, { token: o.token, json: { venue: 'Room 2' } });
  expect(edited.status).toBe(401);
  expect(edited.json.error.code).toBe('unauthenticated');

  expect(await count('select count(*) as n from events')).toBe(events);
  expect(await count('select count(*) as n from history')).toBe(history);
  const [row] = await rawRows<{ venue: string }>(database, 'select venue from events where id = ?', o.event);
  expect(row?.venue).toBe('Room 1');
  // The refused writes rolled back: no connection waits inside their transactions, and the row
  // lock the edit took with its BEGIN is free for the next write, here through the other instance.
  expect(
    await count(
      `select count(*) as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`,
    ),
  ).toBe(0);
  await ok(b.api('PATCH', `/events/${o.event}`, { token: b.adminToken, json: { venue: 'Room 9' } }), 200);
});

test('a revoked session is refused before an answer that wrote nothing: an error, a dry run', async () => {
  const o = await organizerKnownToA('dry@example.com');
  await ok(b.api('POST', '/auth/logout', { token: o.token }), 204);
  // Without the check these would answer 404, 400 and 200 (a preview).
  expect((await a.api('PATCH', '/events/evt_none', { token: o.token, json: { venue: 'X' } })).status).toBe(401);
  expect((await a.api('POST', '/events', { token: o.token, json: { title: '' } })).status).toBe(401);
  const preview = await a.api('PATCH', `/events/${o.event}?dryRun=true`, { token: o.token, json: { venue: 'X' } });
  expect(preview.status).toBe(401);
  expect(preview.headers.get('etag')).toBeNull();
});

test('a role changed elsewhere: the write is refused rather than done with the old role', async () => {
  const o = await organizerKnownToA('promoted@example.com');
  const theirs = await createEvent(a, { title: 'The admin’s', ...dates(32) });
  // An organizer made admin, then back (by another process): between the two, instance a still
  // held the session with the organizer role.
  await rawSql(database, `update users set role = 'admin' where id = ?`, o.id);
  const refused = await a.api('PATCH', `/events/${theirs.id}`, { token: o.token, json: { venue: 'Taken' } });
  expect(refused.status).toBe(401);
  // The next request looks the session up afresh and goes through with the role it has now.
  await ok(a.api('PATCH', `/events/${theirs.id}`, { token: o.token, json: { venue: 'Allowed' } }), 200);
});

test('a session still valid writes through either instance, and other instances see the revocation at once', async () => {
  const o = await organizerKnownToA('valid@example.com');
  await ok(b.api('PATCH', `/events/${o.event}`, { token: o.token, json: { venue: 'Room 3' } }), 200);
  await ok(b.api('PATCH', `/events/${o.event}`, { token: o.token, json: { venue: 'Room 4' } }), 200);
  await ok(a.api('POST', '/auth/logout', { token: o.token }), 204);
  expect((await b.api('PATCH', `/events/${o.event}`, { token: o.token, json: { venue: 'Room 5' } })).status).toBe(401);
  const [row] = await rawRows<{ venue: string }>(database, 'select venue from events where id = ?', o.event);
  expect(row?.venue).toBe('Room 4');
});
