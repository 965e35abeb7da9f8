/** The status report both modes give: the queue read from the triggers table, the recent firings. */
import { formatInstant } from '@kairos/core';
import type { Store } from '../db/store.ts';
import type { TriggerRow } from '../features/events/event.record.ts';
import { findEvents } from '../features/events/events.repository.ts';
import { countTriggers, nextTriggers } from '../features/events/triggers.repository.ts';
import type { SchedulerDeps } from './deps.ts';
import type { SchedulerStatus, TriggerInfo } from './scheduler.ts';

export async function schedulerStatus(
  deps: Pick<SchedulerDeps, 'store' | 'stats'>,
  mode: SchedulerStatus['mode'],
  running: boolean,
): Promise<SchedulerStatus> {
  const db = deps.store.db;
  const [queued, upcoming] = await Promise.all([countTriggers(db), nextTriggers(db, 20)]);
  const titles = await titlesOf(deps.store, upcoming);
  const info = (t: TriggerRow): TriggerInfo => ({
    eventId: t.eventId,
    title: titles.get(t.eventId) ?? null,
    trigger: t.trigger,
    dueAt: formatInstant(t.dueAt),
  });
  return {
    mode,
    running,
    triggersQueued: queued,
    nextTrigger: upcoming[0] ? info(upcoming[0]) : null,
    upcoming: upcoming.map(info),
    recent: deps.stats.recent(),
    lateness: deps.stats.lateness(),
  };
}

async function titlesOf(store: Store, rows: TriggerRow[]): Promise<Map<string, string>> {
  if (rows.length === 0) return new Map();
  const found = await findEvents(
    store.db,
    rows.map((r) => r.eventId),
  );
  return new Map([...found].map(([id, e]) => [id, e.title]));
}
