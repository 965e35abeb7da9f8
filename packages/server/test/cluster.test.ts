// @dialects postgres
/**
 * Cluster mode (SPEC §10) on a real PostgreSQL: two `kairos serve` instances on one database,
 * both running schedulers. Writes on A reach streams on B, every transition is recorded and
 * streamed exactly once, and when A dies by kill -9 while boundaries fall due, B fires them.
 */
import { afterAll, expect, test } from 'vitest';
import { freshDatabase, runCli, stopAll, TestServer } from './support/server.ts';
import { openStream, type StreamMessage } from './support/sse.ts';
import {
  type Dates,
  datesBody,
  type Entry,
  expectedTransitions,
  fullHistory,
  ms,
  sleepUntil,
  until,
} from './support/timeline.ts';

afterAll(stopAll);

const transitionsOf = (messages: StreamMessage[], id: string) =>
  messages.filter((m) => m.type === 'transition' && m.data.eventId === id);

test('two instances: live fan-out across instances, exactly once, and takeover after kill -9', async () => {
  const database = await freshDatabase({ empty: true });
  // Started together on an empty database: migrations, the queue's schema and the admin race.
  const [a, b] = await Promise.all([new TestServer(database, {}).start(), new TestServer(database, {}).start()]);
  const token = a.adminToken;
  expect((await b.api('GET', '/scheduler', { token: b.adminToken })).json).toMatchObject({ mode: 'cluster', running: true });

  const stream = openStream(b.url, { token: b.adminToken });
  await stream.opened;
  const create = async (title: string, dates: Dates) => {
    const r = await a.api('POST', '/events', { token, json: { title, ...datesBody(dates) } });
    expect(r.status, r.text).toBe(201);
    return { id: r.json.id as string, createdAt: ms(r.json.createdAt), dates };
  };

  // Part 1: both instances alive; every boundary of two events created on A.
  const t0 = Date.now();
  const step = (i: number) => t0 + 2000 + i * 300;
  const full = await create('Six boundaries', {
    registrationOpensAt: step(0),
    registrationClosesAt: step(1),
    startsAt: step(2),
    endsAt: step(3),
    certificatesOpenAt: step(4),
    certificatesCloseAt: step(5),
  });
  const short = await create('Two boundaries', { startsAt: step(1) + 150, endsAt: step(4) + 150 });
  await sleepUntil(step(5) + 1500);

  for (const e of [full, short]) {
    const want = expectedTransitions(e.dates, e.createdAt);
    const seen = await stream.waitFor((m) => transitionsOf(m, e.id).length >= want.length && transitionsOf(m, e.id), 5000);
    expect(seen.map((m) => [m.data.trigger, m.data.to])).toEqual(want.map((w) => [w.trigger, w.to]));
    const history = await fullHistory(b, e.id);
    expect(history.map((h: Entry) => h.cause)).toEqual(['create', ...want.map(() => 'schedule')]);
    expect(history.slice(1).map((h: Entry) => h.trigger)).toEqual(want.map((w) => w.trigger));
    for (const h of history.slice(1)) {
      expect(ms(h.at)).toBeGreaterThanOrEqual(ms(h.dueAt)); // never early
      expect(h.lateMs).toBeLessThan(1000);
    }
    // What B streamed is what the history holds: same seqs, same order.
    expect(seen.map((m) => Number(m.id))).toEqual(history.slice(1).map((h: Entry) => h.seq));
  }
  const lateness = [...(await fullHistory(b, full.id)), ...(await fullHistory(b, short.id))]
    .filter((h: Entry) => h.cause === 'schedule')
    .map((h: Entry) => h.lateMs as number);
  console.info(`cluster lateness (ms, two instances): ${lateness.join(', ')}`);

  // Part 2: A dies by kill -9 while boundaries fall due; B fires each exactly once.
  const t1 = Date.now();
  const killAt = t1 + 1500;
  const doomed = await create('Outlives its instance', {
    registrationOpensAt: killAt - 300,
    registrationClosesAt: killAt + 200,
    startsAt: killAt + 700,
    endsAt: killAt + 1200,
  });
  await sleepUntil(killAt);
  await a.kill9();
  const want = expectedTransitions(doomed.dates, doomed.createdAt);
  const history = await until(
    async () => {
      const h = await fullHistory(b, doomed.id);
      return h.length >= 1 + want.length && h;
    },
    8000,
    'B fires the boundaries after A died',
  );
  expect(history.slice(1).map((h: Entry) => [h.trigger, h.to])).toEqual(want.map((w) => [w.trigger, w.to]));
  for (const h of history.slice(1)) expect(['schedule', 'recovery']).toContain(h.cause);
  const seen = await stream.waitFor(
    (m) => transitionsOf(m, doomed.id).length >= want.length && transitionsOf(m, doomed.id),
    5000,
  );
  expect(seen.map((m) => Number(m.id))).toEqual(history.slice(1).map((h: Entry) => h.seq));

  // Everything B streamed: strictly increasing ids, none twice (hello and registration messages carry none).
  const ids = stream.messages.filter((m) => m.id).map((m) => Number(m.id));
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort((x, y) => x - y)).toEqual(ids);
  stream.close();

  const doctor = await runCli(['doctor', '--json'], { KAIROS_DB: database });
  expect(doctor.code, doctor.stderr).toBe(0);
  expect(JSON.parse(doctor.stdout)).toMatchObject({ ok: true, checkedEvents: 3, problems: [], fixed: 0 });

  // Graceful stop of the survivor releases the worker and the pools within the 10 s budget.
  const stopped = await b.stop();
  expect(stopped.code).toBe(0);
  expect(stopped.ms).toBeLessThan(10_000);
});
