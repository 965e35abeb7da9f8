/**
 * What a batch of taken trigger rows does to their events, decided without I/O: each event walks
 * its triggers in due order, the state at each trigger's own instant (`lifecycleAt(event,
 * dueAt)`, so replays are deterministic), and a transition only where (status, phase) changed —
 * the second of two boundaries at one instant, or a trigger of an event that an edit already
 * moved on, records nothing (I3).
 */
import { isScheduled, type LifecycleState, lifecycleAt, REMINDER, SCHEDULE_KINDS, sameState } from '@kairos/core';
import type { EventRecord, TriggerRow } from '../features/events/event.record.ts';

export type FireCause = 'schedule' | 'recovery';

export interface Firing {
  trigger: TriggerRow;
  title: string | null;
  firedAt: number;
  lateMs: number;
  cause: FireCause;
  /** False when the boundary changed nothing (another one at the same instant already did). */
  changed: boolean;
}

/** One change of (status, phase), in the order it happened. */
export interface Transition {
  event: EventRecord;
  trigger: TriggerRow;
  cause: FireCause;
  from: LifecycleState;
  to: LifecycleState;
}

export interface BatchPlan {
  firings: Firing[];
  /** Every transition, in due order (so history `seq` follows the instants). */
  transitions: Transition[];
  /** Events whose stored state moves: from what was read to the last transition's state. */
  moves: Array<{ event: EventRecord; to: LifecycleState }>;
  /** Events reaching or past registration close: their waitlist expires (SPEC §11). */
  closings: EventRecord[];
  /** Reminder triggers of scheduled events: their mails go out, nothing else changes (SPEC §14). */
  reminders: TriggerRow[];
}

const kindOrder = new Map(SCHEDULE_KINDS.map((k, i) => [k, i]));

/** Due order: instant, then event, then the SPEC order of boundaries. */
export function byDue(a: TriggerRow, b: TriggerRow): number {
  return (
    a.dueAt - b.dueAt ||
    (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0) ||
    (kindOrder.get(a.trigger) ?? 0) - (kindOrder.get(b.trigger) ?? 0)
  );
}

export function planBatch(
  rows: readonly TriggerRow[],
  events: ReadonlyMap<string, EventRecord>,
  firedAt: number,
  causeOf: (dueAt: number) => FireCause,
): BatchPlan {
  const plan: BatchPlan = { firings: [], transitions: [], moves: [], closings: [], reminders: [] };
  const state = new Map<string, LifecycleState>();
  const closing = new Set<string>();
  for (const t of [...rows].sort(byDue)) {
    const event = events.get(t.eventId);
    const firing: Firing = {
      trigger: t,
      title: event?.title ?? null,
      firedAt,
      lateMs: firedAt - t.dueAt,
      cause: causeOf(t.dueAt),
      changed: false,
    };
    plan.firings.push(firing);
    if (!event || !isScheduled(event.status)) continue;
    // Not a boundary: with reminderMinutesBefore 0 it falls on startsAt, and must not pass for event_start.
    if (t.trigger === REMINDER) {
      plan.reminders.push(t);
      continue;
    }
    // At registration close the waitlist expires, in the transaction that consumes the trigger:
    // exactly once, recovery included. Any later boundary does it too (idempotent): a safety net
    // for a close an edit moved into the past.
    if (event.registrationClosesAt !== null && t.dueAt >= event.registrationClosesAt) closing.add(event.id);
    const from = state.get(event.id) ?? { status: event.status, phase: event.phase };
    const to = lifecycleAt(event, t.dueAt);
    if (sameState(to, from)) continue;
    firing.changed = true;
    state.set(event.id, { status: to.status, phase: to.phase });
    plan.transitions.push({ event, trigger: t, cause: firing.cause, from, to: { status: to.status, phase: to.phase } });
  }
  for (const [id, to] of state) {
    const event = events.get(id) as EventRecord;
    plan.moves.push({ event, to });
  }
  plan.closings = [...closing].map((id) => events.get(id) as EventRecord);
  return plan;
}
