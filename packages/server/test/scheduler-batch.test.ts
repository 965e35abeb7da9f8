/**
 * Batched firing (issue 8), in process on a fake clock and a real SQLite file: triggers due
 * together fire in batches — each exactly once, each with its own dueAt and lateMs and the
 * batch's `at`, in due order per event even across batch boundaries, a history entry only where
 * (status, phase) changed (checked against the SPEC §4 oracle) — and recovery after downtime
 * takes the same path with cause `recovery`.
 */
import { afterEach, expect, test } from 'vitest';
import { allTriggers } from '../src/features/events/triggers.repository.ts';
import { inProcess, SECOND, T0 } from './support/in-process.ts';
import { type Dates, expectedTransitions } from './support/timeline.ts';

let env: Awaited<ReturnType<typeof inProcess>> | null = null;
afterEach(async () => {
  await env?.close();
  env = null;
});

// X has every boundary, its end and certificates opening at one instant (one transition);
// Y's boundaries fall on X's instants.
const X: Dates = {
  registrationOpensAt: T0 + 1 * SECOND,
  registrationClosesAt: T0 + 2 * SECOND,
  startsAt: T0 + 3 * SECOND,
  endsAt: T0 + 4 * SECOND,
  certificatesOpenAt: T0 + 4 * SECOND,
  certificatesCloseAt: T0 + 5 * SECOND,
};
const Y: Dates = { startsAt: T0 + 2 * SECOND, endsAt: T0 + 3 * SECOND };

async function createBoth() {
  const e = env as NonNullable<typeof env>;
  const x = await e.create(X as unknown as Record<string, number>);
  const y = await e.create(Y as unknown as Record<string, number>);
  return { x, y };
}

async function expectTimeline(id: string, dates: Dates, cause: string, at: number) {
  const e = env as NonNullable<typeof env>;
  const want = expectedTransitions(dates, T0);
  const got = await e.fired(id);
  expect(got.map((h) => ({ trigger: h.trigger, from: h.from, to: h.to, dueAt: h.dueAt }))).toEqual(
    want.map((w) => ({ trigger: w.trigger, from: w.from, to: w.to, dueAt: w.dueAt })),
  );
  for (const h of got) expect(h).toMatchObject({ cause, at, lateMs: at - (h.dueAt as number), actor: null });
}

test('triggers due together fire in batches, each once, in due order, one entry per change', async () => {
  env = await inProcess({ batchSize: 2 });
  const { clock, scheduler, monitor } = env;
  await scheduler.start();
  const { x, y } = await createBoth();
  expect(await allTriggers(env.store.db)).toHaveLength(8);

  // Everything falls due at once: the wall clock steps past all of it before the timer wakes.
  clock.jump(10 * SECOND);
  await clock.advance(1 * SECOND);
  const at = T0 + 11 * SECOND;
  const batches = monitor.all('batch:fired');
  expect(batches.map((b) => b.firings.length)).toEqual([2, 2, 2, 2]);
  for (const b of batches) expect(b).toMatchObject({ at, cause: 'schedule', via: 'timer' });
  const firings = batches.flatMap((b) => b.firings);
  expect(firings.map((f) => [f.trigger.dueAt - T0, f.trigger.eventId, f.trigger.trigger, f.changed])).toEqual(
    [
      [1000, x.id, 'registration_open', true],
      [2000, x.id, 'registration_close', true],
      [2000, y.id, 'event_start', true],
      [3000, x.id, 'event_start', true],
      [3000, y.id, 'event_end', true],
      [4000, x.id, 'event_end', true],
      [4000, x.id, 'certificates_open', false],
      [5000, x.id, 'certificates_close', true],
    ].sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] === b[1] ? 0 : String(a[1]) < String(b[1]) ? -1 : 1)),
  );
  for (const f of firings) expect(f.lateMs).toBe(at - f.trigger.dueAt);

  await expectTimeline(x.id, X, 'schedule', at);
  await expectTimeline(y.id, Y, 'schedule', at);
  const all = [...(await env.fired(x.id)), ...(await env.fired(y.id))].sort((a, b) => a.seq - b.seq);
  const dues = all.map((h) => h.dueAt as number);
  expect(dues).toEqual([...dues].sort((a, b) => a - b));
  expect(await allTriggers(env.store.db)).toEqual([]);
  expect(await env.read(x.id)).toMatchObject({ status: 'completed', phase: 'ended' });
  expect(await env.read(y.id)).toMatchObject({ status: 'completed', phase: 'ended' });
});

test('after downtime, what fell due fires through the same batches with cause recovery', async () => {
  env = await inProcess({ batchSize: 3 });
  const { clock, scheduler, monitor } = env;
  const { x, y } = await createBoth(); // no scheduler runs
  clock.jump(10 * SECOND);
  await scheduler.start(); // resolves after the first pass
  const at = T0 + 10 * SECOND;
  const batches = monitor.all('batch:fired');
  expect(batches.map((b) => [b.firings.length, b.cause])).toEqual([
    [3, 'recovery'],
    [3, 'recovery'],
    [2, 'recovery'],
  ]);
  expect(monitor.all('recovered')).toEqual([{ count: 8 }]);
  await expectTimeline(x.id, X, 'recovery', at);
  await expectTimeline(y.id, Y, 'recovery', at);

  // A second start fires nothing more: each trigger was consumed once.
  await scheduler.stop();
  await scheduler.start();
  expect(monitor.all('batch:fired')).toHaveLength(3);
  await monitor.waitFor('idle');
});
