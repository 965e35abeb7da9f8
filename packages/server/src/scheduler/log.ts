/**
 * The scheduler's log and statistics, as subscribers of its events: one info line per batch
 * (a burst of 10 000 firings is 20 lines, not 10 000), each firing at debug level only.
 */
import { formatInstant } from '@kairos/core';
import type { Logger } from 'pino';
import type { SchedulerEvents } from './events.ts';
import type { FiringStats } from './stats.ts';

export function observeScheduler(events: SchedulerEvents, log: Logger, stats: FiringStats): () => void {
  let armed = false;
  const off = [
    events.on('batch:fired', (b) => {
      for (const f of b.firings) stats.record(f);
      const first = b.firings[0];
      const last = b.firings.at(-1);
      if (!first || !last) return;
      log.info(
        {
          count: b.firings.length,
          changed: b.firings.filter((f) => f.changed).length,
          firstDueAt: formatInstant(first.trigger.dueAt),
          lastDueAt: formatInstant(last.trigger.dueAt),
          maxLateMs: Math.max(...b.firings.map((f) => f.lateMs)),
          cause: b.cause,
          via: b.via,
        },
        'scheduler fired a batch',
      );
      if (!log.isLevelEnabled('debug')) return;
      for (const f of b.firings) {
        const { eventId, trigger, dueAt } = f.trigger;
        log.debug(
          { eventId, trigger, dueAt: formatInstant(dueAt), lateMs: f.lateMs, cause: f.cause, changed: f.changed },
          'scheduler fired',
        );
      }
    }),
    events.on('armed', ({ next, reason, delayMs }) => {
      armed = true;
      const fields = { eventId: next.eventId, trigger: next.trigger, dueAt: formatInstant(next.dueAt), delayMs };
      if (reason === 'next') log.info(fields, 'scheduler armed');
      else log.debug(fields, 'scheduler timer woke early; re-armed');
    }),
    events.on('idle', () => {
      if (armed) log.info('scheduler idle: no pending trigger');
      armed = false;
    }),
    events.on('recovered', ({ count }) => log.info({ recovered: count }, `scheduler recovered ${count} missed trigger(s)`)),
    events.on('error', ({ error, retryInMs }) => log.error({ err: error, retryInMs }, 'scheduler pass failed; retrying')),
  ];
  return () => {
    for (const o of off) o();
  };
}
