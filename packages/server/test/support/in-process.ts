/**
 * The embedded scheduler in this process on a fake clock: a real SQLite file (temp), the real
 * events service to write events and the real scheduler to fire them; only time is fake.
 * For the edge cases real time cannot reach quickly (SPEC §4: far future, early wake-ups, wall
 * clock jumps); what needs a real process (kill -9, streams) stays in the process suites.
 */
import path from 'node:path';
import type { Viewer } from '@kairos/core';
import pino from 'pino';
import { migrate } from '../../src/db/migrate.ts';
import { openSqlite } from '../../src/db/sqlite.ts';
import type { EventRecord } from '../../src/features/events/event.record.ts';
import { findEvent } from '../../src/features/events/events.repository.ts';
import { EventsService } from '../../src/features/events/events.service.ts';
import type { HistoryRecord } from '../../src/features/history/history.record.ts';
import { historyOf } from '../../src/features/history/history.repository.ts';
import { createMetrics } from '../../src/ops/metrics.ts';
import { EmbeddedScheduler } from '../../src/scheduler/embedded/embedded-scheduler.ts';
import { FiringStats } from '../../src/scheduler/stats.ts';
import { FakeClock } from './fake-clock.ts';
import { SchedulerMonitor } from './scheduler-monitor.ts';
import { tempDir } from './server.ts';

export const T0 = Date.parse('2026-11-30T09:00:00.000Z');
export const SECOND = 1000;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

const admin: Viewer = { role: 'admin', userId: 'usr_test_admin' };

export async function inProcess(opts: { batchSize?: number } = {}) {
  const store = openSqlite(path.join(tempDir('kairos-sched-'), 'kairos.sqlite'));
  await migrate(store);
  const clock = new FakeClock(T0);
  const scheduler = new EmbeddedScheduler({
    store,
    clock,
    log: pino({ level: 'silent' }),
    stats: new FiringStats(createMetrics(async () => 0)),
    batchSize: opts.batchSize,
  });
  // After each timer callback, wait for the pass it started (if any) to finish.
  clock.settle = () => scheduler.settled();
  const monitor = new SchedulerMonitor(scheduler.events);
  const service = new EventsService({ store, clock, defaultTimezone: 'UTC' });
  const iso = (ms: number) => new Date(ms).toISOString();

  return {
    store,
    clock,
    scheduler,
    monitor,
    /** Create an approved event with these instants (epoch ms); the scheduler hears of it on commit. */
    async create(dates: Record<string, number>): Promise<EventRecord> {
      const body = Object.fromEntries(Object.entries(dates).map(([k, v]) => [k, iso(v)]));
      const event = await service.create(admin, { title: 'In process', ...body } as never);
      await scheduler.settled();
      return event;
    },
    /** The event's entries written by the scheduler, oldest first. */
    async fired(eventId: string): Promise<HistoryRecord[]> {
      return (await historyOf(store.db, eventId, 0, 1000)).filter((h) => h.trigger !== null);
    },
    read: (id: string) => findEvent(store.db, id),
    async close(): Promise<void> {
      await scheduler.stop();
      monitor.close();
      await store.close();
    },
  };
}
