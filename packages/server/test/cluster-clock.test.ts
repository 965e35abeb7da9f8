// @dialects postgres
/**
 * Cluster instances tell time by the database (issue 9): two instances whose machine clocks are
 * 4 s ahead and 4 s behind (libfaketime preloaded into their processes: their real clocks are
 * shifted, nothing in Kairos is told) share one PostgreSQL and fire every boundary on time and
 * never early. On their own clocks one would fire 4 s early and the other 4 s late; whichever
 * fires, the test's own (true) clock sees the message after the boundary and soon after it.
 */
import fs from 'node:fs';
import { afterAll, expect, test } from 'vitest';
import { startServer, stopAll, TestServer } from './support/server.ts';
import { openStream } from './support/sse.ts';
import { datesBody, expectedTransitions, ms, sleepUntil } from './support/timeline.ts';

afterAll(stopAll);

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const SKEW_MS = 4000;

/** The environment that shifts a process's wall clock; its timers (monotonic) stay true. */
function skewed(offsetMs: number): Record<string, string> {
  if (!fs.existsSync(LIBFAKETIME)) throw new Error(`${LIBFAKETIME} missing: apt-get install faketime (scripts/test.sh does)`);
  return {
    LD_PRELOAD: LIBFAKETIME,
    FAKETIME: `${offsetMs >= 0 ? '+' : '-'}${Math.abs(offsetMs) / 1000}s`,
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  };
}

test('instances whose clocks are 4 s apart each way fire on the database clock: never early, never seconds late', async () => {
  const ahead = await startServer(skewed(SKEW_MS));
  const behind = await new TestServer(ahead.dbPath, skewed(-SKEW_MS)).start();
  // Each instance's own idea of now, as its first stream message says: the database's, not its machine's.
  for (const server of [ahead, behind]) {
    const hello = openStream(server.url, { token: server.adminToken });
    const first = await hello.waitFor((m) => m.find((x) => x.type === 'hello'), 10_000);
    expect(Math.abs(ms(first.data.serverTime) - first.receivedAt)).toBeLessThan(1000);
    hello.close();
  }

  const stream = openStream(behind.url, { token: behind.adminToken });
  await stream.opened;
  const t0 = Date.now() + 3000;
  const dates = { startsAt: t0, endsAt: t0 + 1500, registrationOpensAt: t0 - 1500, registrationClosesAt: t0 - 500 };
  const created = await ahead.api('POST', '/events', {
    token: ahead.adminToken,
    json: { title: 'Skewed clocks', ...datesBody(dates) },
  });
  expect(created.status, created.text).toBe(201);
  const id = created.json.id as string;
  const want = expectedTransitions(dates, ms(created.json.createdAt));
  expect(want.length).toBeGreaterThanOrEqual(3);

  await sleepUntil(dates.endsAt + 2000);
  const seen = await stream.waitFor((m) => {
    const t = m.filter((x) => x.type === 'transition' && x.data.eventId === id);
    return t.length >= want.length && t;
  }, 10_000);
  expect(seen.map((m) => m.data.trigger)).toEqual(want.map((w) => w.trigger));
  for (const m of seen) {
    const dueAt = ms(m.data.dueAt);
    // Never early by the true clock, and not the 4 s late a behind clock would make it.
    expect(m.receivedAt).toBeGreaterThanOrEqual(dueAt);
    expect(m.receivedAt - dueAt).toBeLessThan(SKEW_MS / 2);
    // The instant recorded is true time too, whichever instance recorded it.
    expect(Math.abs(ms(m.data.at) - m.receivedAt)).toBeLessThan(SKEW_MS / 2);
  }
});
