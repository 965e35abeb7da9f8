/**
 * The bad days of timers and processes, in a real process: a trigger more than 2^31−1 ms ahead
 * (where a bare Node `setTimeout` would fire at once) stays queued and fires nothing, with no
 * overflow warning and an idle CPU; SIGTERM with a live stream connected stops the server
 * cleanly (exit 0) within the 10 s of SPEC §8. That such a trigger does fire, exactly at its
 * instant, is shown on a fake clock in scheduler-clock.test.ts.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli, startServer, stopAll, type TestServer } from './support/server.ts';
import { openStream } from './support/sse.ts';
import { datesBody, type Entry, fullHistory, sleep } from './support/timeline.ts';

const DAY = 86_400_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

let server: TestServer;

/** User + system CPU time of the server process, from /proc (null where there is no /proc). */
function cpuSeconds(s: TestServer): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${s.child?.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / 100 : null;
  } catch {
    return null;
  }
}
let eventId = '';
let endsAt = 0;

beforeAll(async () => {
  server = await startServer();
});
afterAll(stopAll);

test('a trigger 400 days ahead (timer > 2^31−1 ms) does not fire early', async () => {
  const now = Date.now();
  endsAt = now + 400 * DAY;
  expect(endsAt - now).toBeGreaterThan(MAX_TIMER_MS);
  // Started an hour ago: the end, 400 days ahead, is this server's only trigger.
  const r = await server.api('POST', '/events', {
    token: server.adminToken,
    json: { title: 'A long one', ...datesBody({ startsAt: now - 3_600_000, endsAt }) },
  });
  expect(r.status, r.text).toBe(201);
  eventId = r.json.id;
  expect(r.json).toMatchObject({ status: 'ongoing', phase: 'in_progress' });

  const armed = await server.api('GET', '/scheduler', { token: server.adminToken });
  expect(armed.json).toMatchObject({
    running: true,
    triggersQueued: 1,
    nextTrigger: { eventId, trigger: 'event_end', dueAt: new Date(endsAt).toISOString() },
  });

  // While it waits, the scheduler sleeps: no overflowing timer (Node would warn and fire it at
  // once), no 1 ms re-arm loop burning CPU.
  const cpu0 = cpuSeconds(server);
  await sleep(3000);
  const cpu = cpuSeconds(server);
  if (cpu0 !== null && cpu !== null) expect(cpu - cpu0).toBeLessThan(0.3);
  expect(server.output).not.toContain('TimeoutOverflowWarning');

  const history = await fullHistory(server, eventId);
  expect(history.map((h: Entry) => h.cause)).toEqual(['create']);
  const got = await server.api('GET', `/events/${eventId}`);
  expect(got.json).toMatchObject({
    status: 'ongoing',
    phase: 'in_progress',
    version: 1,
    nextTransition: { at: new Date(endsAt).toISOString(), status: 'completed', phase: 'ended' },
  });
  const sched = await server.api('GET', '/scheduler', { token: server.adminToken });
  expect(sched.status).toBe(200);
  expect(sched.json).toMatchObject({
    running: true,
    triggersQueued: 1,
    nextTrigger: { eventId, trigger: 'event_end', dueAt: new Date(endsAt).toISOString() },
    recent: [],
    lateness: { count: 0 },
  });
  expect(sched.json.upcoming).toHaveLength(1);
});

test('SIGTERM with a stream connected exits 0 within 10 s; the far trigger survives the restart', async () => {
  const stream = openStream(server.url);
  try {
    await stream.opened;
    await stream.waitFor((m) => m[0]?.type === 'hello', 5000);
    const { code, ms } = await server.stop();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
  } finally {
    stream.close();
  }
  expect(server.output).toContain('shutting down');

  await server.start();
  const sched = await server.api('GET', '/scheduler', { token: server.adminToken });
  expect(sched.json).toMatchObject({
    triggersQueued: 1,
    nextTrigger: { eventId, trigger: 'event_end', dueAt: new Date(endsAt).toISOString() },
    recent: [],
  });
  expect((await fullHistory(server, eventId)).map((h: Entry) => h.cause)).toEqual(['create']);
  const doctor = await runCli(['doctor', '--json'], { KAIROS_DB: server.dbPath });
  expect(doctor.code, doctor.stderr).toBe(0);
  expect(JSON.parse(doctor.stdout)).toMatchObject({ ok: true, checkedEvents: 1, problems: [] });
});
