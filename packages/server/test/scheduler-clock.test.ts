/**
 * SPEC §4's bad days of time, in process on a fake clock and a real SQLite file: a trigger
 * 400 days ahead is reached through chained timers, none longer than Node honours, and fires
 * exactly at its instant; a timer that wakes early never fires anything early; a wall-clock jump
 * forward fires what became due (in due order, cause `schedule`), one backward fires nothing early.
 * Each takes milliseconds of real time.
 */
import { afterEach, expect, test } from 'vitest';
import { MAX_TIMER_MS } from '../src/clock.ts';
import { WALL_CHECK_MS } from '../src/scheduler/trigger-loop.ts';
import { DAY, HOUR, inProcess, SECOND, T0 } from './support/in-process.ts';

let env: Awaited<ReturnType<typeof inProcess>> | null = null;
afterEach(async () => {
  const closing = env;
  env = null;
  await closing?.close();
  // Stopping leaves no timer behind.
  expect(closing?.clock.pending ?? 0).toBe(0);
});

test('a trigger 400 days ahead fires exactly at its instant, reached through chained timers', async () => {
  env = await inProcess();
  const { clock, scheduler, monitor } = env;
  await scheduler.start();
  const endsAt = T0 + 400 * DAY;
  const event = await env.create({ startsAt: T0 - HOUR, endsAt });
  expect(event).toMatchObject({ status: 'ongoing', phase: 'in_progress' });
  await monitor.waitFor('armed', (a) => a.next.eventId === event.id && a.next.dueAt === endsAt);

  await clock.advance(endsAt - T0 - 1);
  expect(monitor.all('batch:fired')).toEqual([]);
  expect(await env.fired(event.id)).toEqual([]);
  expect(clock.now()).toBe(endsAt - 1);

  await clock.advance(1);
  const batch = await monitor.waitFor('batch:fired');
  expect(batch).toMatchObject({ at: endsAt, cause: 'schedule', via: 'timer' });
  expect(batch.firings.map((f) => [f.trigger.trigger, f.lateMs, f.changed])).toEqual([['event_end', 0, true]]);
  expect(await env.fired(event.id)).toMatchObject([
    {
      trigger: 'event_end',
      dueAt: endsAt,
      at: endsAt,
      lateMs: 0,
      cause: 'schedule',
      to: { status: 'completed', phase: 'ended' },
    },
  ]);
  // Never a timer Node would cut short (it fires those after 1 ms), and many links, not one.
  expect(clock.overflows).toBe(0);
  expect(clock.longestDelay).toBeLessThanOrEqual(MAX_TIMER_MS);
  expect(clock.timersSet).toBeGreaterThanOrEqual(Math.ceil((400 * DAY) / MAX_TIMER_MS));
  await monitor.waitFor('idle');
});

test('a timer that wakes early fires nothing early: it re-reads the clock and sleeps on', async () => {
  env = await inProcess();
  const { clock, scheduler, monitor } = env;
  await scheduler.start();
  const startsAt = T0 + 10 * SECOND;
  const event = await env.create({ startsAt, endsAt: startsAt + HOUR });

  clock.wakeNextTimerEarly(1);
  await clock.advance(10 * SECOND - 1);
  expect(clock.now()).toBe(startsAt - 1);
  const rearmed = await monitor.waitFor('armed', (a) => a.reason === 'early');
  expect(rearmed).toMatchObject({ next: { eventId: event.id, trigger: 'event_start', dueAt: startsAt }, delayMs: 1 });
  expect(monitor.all('batch:fired')).toEqual([]);
  expect(await env.fired(event.id)).toEqual([]);
  expect(await env.read(event.id)).toMatchObject({ status: 'upcoming', phase: 'scheduled' });

  await clock.advance(1);
  const batch = await monitor.waitFor('batch:fired');
  expect(batch.at).toBe(startsAt);
  expect(await env.fired(event.id)).toMatchObject([{ trigger: 'event_start', at: startsAt, lateMs: 0, cause: 'schedule' }]);
});

test('a wall-clock jump forward fires what became due, in due order, with cause schedule', async () => {
  env = await inProcess();
  const { clock, scheduler, monitor } = env;
  await scheduler.start();
  const a = await env.create({ startsAt: T0 + 10 * SECOND, endsAt: T0 + 20 * SECOND });
  const b = await env.create({ startsAt: T0 + 15 * SECOND, endsAt: T0 + 2 * HOUR });

  // The timer sleeps on the monotonic clock (10 s); meanwhile the wall clock steps 30 s ahead.
  clock.jump(30 * SECOND);
  await clock.advance(10 * SECOND);
  const batch = await monitor.waitFor('batch:fired');
  expect(batch).toMatchObject({ at: T0 + 40 * SECOND, cause: 'schedule' });
  expect(batch.firings.map((f) => [f.trigger.eventId, f.trigger.trigger, f.lateMs])).toEqual([
    [a.id, 'event_start', 30_000],
    [b.id, 'event_start', 25_000],
    [a.id, 'event_end', 20_000],
  ]);
  const history = [...(await env.fired(a.id)), ...(await env.fired(b.id))].sort((x, y) => x.seq - y.seq);
  expect(history.map((h) => [h.eventId, h.trigger, h.cause])).toEqual([
    [a.id, 'event_start', 'schedule'],
    [b.id, 'event_start', 'schedule'],
    [a.id, 'event_end', 'schedule'],
  ]);

  // b's end is two hours of wall time away; the wall clock steps three hours: the timer, which
  // never sleeps longer than WALL_CHECK_MS, notices within that.
  clock.jump(3 * HOUR);
  await clock.advance(WALL_CHECK_MS);
  const end = await monitor.waitFor('batch:fired', (x) =>
    x.firings.some((f) => f.trigger.trigger === 'event_end' && f.trigger.eventId === b.id),
  );
  expect(end.cause).toBe('schedule');
  expect(end.at).toBeLessThanOrEqual(T0 + 40 * SECOND + 3 * HOUR + WALL_CHECK_MS);
  expect(await env.read(b.id)).toMatchObject({ status: 'completed', phase: 'ended' });
});

test('a wall-clock jump backward fires nothing early', async () => {
  env = await inProcess();
  const { clock, scheduler, monitor } = env;
  await scheduler.start();
  const startsAt = T0 + 10 * SECOND;
  const event = await env.create({ startsAt, endsAt: startsAt + HOUR });

  clock.jump(-30 * SECOND);
  await clock.advance(10 * SECOND); // the timer wakes; the wall clock says 20 s before the start
  expect(clock.now()).toBe(startsAt - 30 * SECOND);
  await clock.advance(30 * SECOND - 1);
  expect(monitor.all('batch:fired')).toEqual([]);
  expect(await env.fired(event.id)).toEqual([]);

  await clock.advance(1);
  const batch = await monitor.waitFor('batch:fired');
  expect(batch.at).toBe(startsAt);
  expect(await env.fired(event.id)).toMatchObject([{ trigger: 'event_start', at: startsAt, lateMs: 0 }]);
});
