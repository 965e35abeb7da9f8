// @dialects postgres
/**
 * Rolling upgrade under prepared statements (issue 9): cluster instances name the queries they
 * repeat (db/prepared.ts), and PostgreSQL refuses a prepared `select *` once its table's columns
 * change ("cached plan must not change result type"). A newer version's migration adds a column
 * while this version's instance runs: every request after it must still succeed — writes run
 * again by the store, reads prepared afresh — with nothing written twice.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createEvent, ok } from './support/fixtures.ts';
import { rawRows } from './support/raw-sql.ts';
import { freshDatabase, stopAll, TestServer } from './support/server.ts';
import { datesBody } from './support/timeline.ts';

afterAll(stopAll);

const DAY = 86_400_000;
let database: string;
let server: TestServer;

beforeAll(async () => {
  database = await freshDatabase();
  server = await new TestServer(database, {}).start();
});

async function everyKind(round: number, id: string): Promise<void> {
  const t = Date.now() + (30 + round) * DAY;
  // Several at once: the pool's connections each prepare their own copy of the statements.
  const answers = await Promise.all([
    ...Array.from({ length: 6 }, (_, i) =>
      server.api('POST', '/events', {
        token: server.adminToken,
        json: { title: `Round ${round}.${i}`, ...datesBody({ startsAt: t + i * 60_000, endsAt: t + i * 60_000 + 3600_000 }) },
      }),
    ),
    server.api('PATCH', `/events/${id}`, { token: server.adminToken, json: { title: `Edited in round ${round}` } }),
    server.api('GET', `/events/${id}`),
    server.api('GET', '/events?limit=5'),
    server.api('GET', '/auth/me', { token: server.adminToken }),
  ]);
  for (const r of answers) expect(r.status, r.text).toBeLessThan(300);
}

test('a column added under a running instance: its prepared statements are renewed, no request fails, nothing is written twice', async () => {
  const t = Date.now() + 20 * DAY;
  const event = await createEvent(server, { title: 'Upgraded under', ...datesBody({ startsAt: t, endsAt: t + 3600_000 }) });
  for (let round = 0; round < 3; round++) await everyKind(round, event.id);
  // What a newer version's migration may do while this one runs (additive, as docs/deploy.md asks).
  await rawRows(database, 'alter table events add column upgrade_note text');
  await rawRows(database, 'alter table users add column upgrade_note text');
  for (let round = 3; round < 6; round++) await everyKind(round, event.id);
  const created = await rawRows<{ n: string }>(database, "select count(*) as n from events where title like 'Round %'");
  expect(Number(created[0]?.n)).toBe(36);
  const edits = await rawRows<{ n: string }>(
    database,
    "select count(*) as n from history where event_id = ? and cause = 'edit'",
    event.id,
  );
  expect(Number(edits[0]?.n)).toBe(6);
  expect((await ok(server.api('GET', `/events/${event.id}`), 200)).json.title).toBe('Edited in round 5');
});
