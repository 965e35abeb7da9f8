// @dialects postgres
/**
 * Failover drill (issue 9): PostgreSQL itself crashes (immediate shutdown, WAL replay on start)
 * and stays down for 4 s while two instances run and two boundaries fall due. When it is back,
 * the instances reconnect by themselves, fire what fell due — each boundary once, in order,
 * never before its instant — and a client streaming from the other instance hears it, and
 * hears writes made through either instance afterwards. Both
 * instances live on and take writes. Its own PostgreSQL: the suite's shared one must not crash.
 */
import { afterAll, expect, test } from 'vitest';
import { stopAll, TestServer } from './support/server.ts';
import { openStream } from './support/sse.ts';
import { datesBody, expectedTransitions, fullHistory, ms, until } from './support/timeline.ts';
import { type CrashablePostgres, startCrashablePostgres } from './torture/postgres.ts';

let postgres: CrashablePostgres | null = null;

afterAll(async () => {
  await stopAll();
  await postgres?.stop();
});

test('PostgreSQL crashes for 4 s under two instances: they reconnect and fire what fell due, each once, in order', async () => {
  postgres = await startCrashablePostgres();
  const database = await postgres.freshDatabase();
  const a = await new TestServer(database, {}).start();
  const b = await new TestServer(database, {}).start();
  const stream = openStream(b.url, { token: b.adminToken });
  await stream.opened;

  // Both boundaries fall due 2 and 3 s from now, PostgreSQL goes down as soon as the event is
  // created (a create took 0.1–0.5 s loaded): no idle wait before the crash (it slept 2.5 s).
  const t0 = Date.now();
  const dates = { startsAt: t0 + 2000, endsAt: t0 + 3000 };
  const created = await a.api('POST', '/events', {
    token: a.adminToken,
    json: { title: 'Through the outage', ...datesBody(dates) },
  });
  expect(created.status, created.text).toBe(201);
  const id = created.json.id as string;
  const want = expectedTransitions(dates, ms(created.json.createdAt));

  expect(Date.now(), 'the create took too long: the first boundary passed before the crash').toBeLessThan(dates.startsAt - 500);
  await postgres.crash(4000);
  const back = Date.now();

  const history = await until(
    async () => {
      const h = await fullHistory(a, id).catch(() => []);
      return h.length >= 1 + want.length && h;
    },
    60_000,
    'both boundaries fired after PostgreSQL came back',
  );
  expect(history.map((h: { trigger: string | null }) => h.trigger)).toEqual([null, ...want.map((w) => w.trigger)]);
  for (const h of history.slice(1)) {
    expect(ms(h.at)).toBeGreaterThanOrEqual(ms(h.dueAt));
    expect(ms(h.at)).toBeGreaterThanOrEqual(back - 1000);
  }
  // Should this wait fail, what both instances said (warnings included) goes with it.
  const heard = await stream
    .waitFor((m) => {
      const t = m.filter((x) => x.type === 'transition' && x.data.eventId === id);
      return t.length >= want.length && t;
    }, 30_000)
    .catch((error: Error) => {
      throw new Error(
        `${error.message}\n--- instance b (streaming):\n${b.output.slice(-4000)}\n--- instance a:\n${a.output.slice(-4000)}`,
      );
    });
  expect(heard.map((m) => m.data.trigger)).toEqual(want.map((w) => w.trigger));

  // Both live on and take writes; a write through one reaches the other's client (the
  // instances' LISTEN for each other's commits came back too).
  for (const server of [a, b]) {
    expect(server.child?.exitCode ?? null, server.output.slice(-2000)).toBeNull();
    const r = await server.api('POST', '/events', {
      token: server.adminToken,
      json: { title: 'After the outage', ...datesBody({ startsAt: Date.now() + 3_600_000, endsAt: Date.now() + 7_200_000 }) },
    });
    expect(r.status, r.text).toBe(201);
    await stream.waitFor((m) => m.find((x) => x.type === 'event.created' && x.data.eventId === r.json.id), 20_000);
  }
  stream.close();
}, 180_000);
