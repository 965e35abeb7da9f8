/**
 * Firing a trigger is an idempotent reconciliation, not the execution of a queued command:
 * in one transaction, take the trigger row (compare-and-delete), compute the state the dates
 * give at the trigger's own instant, and compare-and-set the stored state to it. A trigger
 * fired twice, late, or after an edit replaced it can therefore never record a wrong or
 * duplicate transition (I3). Both scheduler implementations call this.
 */
import { isScheduled, lifecycleAt, sameState } from '@kairos/core';
import type { Store } from '../db/store.ts';
import type { TriggerRow } from '../features/events/event.record.ts';
import { findEvent, setStateIf } from '../features/events/events.repository.ts';
import { consumeTrigger } from '../features/events/triggers.repository.ts';
import { appendHistory } from '../features/history/history.repository.ts';
import { countsOf, expireWaitlist } from '../features/registrations/registrations.repository.ts';

export interface Firing {
  trigger: TriggerRow;
  title: string | null;
  firedAt: number;
  lateMs: number;
  cause: 'schedule' | 'recovery';
  changed: boolean;
}

/** Fire one trigger at `now()`. Null when the trigger was already gone (fired or replaced). */
export function fireTrigger(
  store: Store,
  t: TriggerRow,
  now: () => number,
  cause: 'schedule' | 'recovery',
): Promise<Firing | null> {
  return store.write(async (tx) => {
    if (!(await consumeTrigger(tx, t))) return null;
    const firedAt = now();
    const lateMs = firedAt - t.dueAt;
    const event = await findEvent(tx.db, t.eventId);
    const base = { trigger: t, title: event?.title ?? null, firedAt, lateMs, cause };
    if (!event || !isScheduled(event.status)) return { ...base, changed: false };
    // SPEC §11: at registration close the waitlist expires, in this trigger's own transaction —
    // exactly once, since the trigger was just consumed (recovery after a restart included). Any
    // later boundary does it too (idempotent): a safety net for a close an edit moved into the past.
    if (event.registrationClosesAt !== null && t.dueAt >= event.registrationClosesAt) {
      await expireWaitlist(tx, event.id, event.createdBy, firedAt);
    }
    // The state at the trigger's instant, not at the wall clock: replays are deterministic.
    const target = lifecycleAt(event, t.dueAt);
    if (sameState(target, event)) return { ...base, changed: false };
    if (!(await setStateIf(tx, event.id, event, target))) return { ...base, changed: false };
    await appendHistory(
      tx,
      {
        eventId: event.id,
        ownerId: event.createdBy,
        at: firedAt,
        cause,
        actor: null,
        from: { status: event.status, phase: event.phase },
        to: target,
        trigger: t.trigger,
        dueAt: t.dueAt,
        lateMs,
        reason: null,
      },
      { ...event, ...target },
      await countsOf(tx.db, event.id),
    );
    return { ...base, changed: true };
  });
}
