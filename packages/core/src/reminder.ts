/**
 * The attendee reminder (SPEC §14) as a rule of the dates: when an event's reminder trigger is
 * due, if it needs one at all. The reminder is not a lifecycle boundary — it never changes
 * (status, phase), never appears in `nextTransition` or history — but it lives in the same
 * triggers table and fires on the same exact scheduler, so the server, doctor and the edit
 * preview all ask this one function whether it belongs there.
 */
import { type EventDates, type Instant, isScheduled, type Status, TRIGGER_KINDS, type TriggerKind } from './lifecycle.ts';

export const REMINDER = 'reminder' as const;
/** Minutes before `startsAt`: 0 (at the start) to 30 days; the default is a day. */
export const REMINDER_LIMITS = { min: 0, max: 43_200, default: 1_440 } as const;

/** Every kind of row in the triggers table: the six boundaries, then the reminder. */
export type ScheduleKind = TriggerKind | typeof REMINDER;
export const SCHEDULE_KINDS: readonly ScheduleKind[] = [...TRIGGER_KINDS, REMINDER];

export interface ReminderDates extends EventDates {
  status: Status;
  reminderMinutesBefore: number | null;
}

/**
 * The instant the reminder trigger must be pending for, or null when it must not exist: only for
 * an approved, non-cancelled event with a reminder set, at least one confirmed attendee, and a due
 * instant still in the future (one that has passed is not replayed: a late reminder is noise).
 */
export function reminderDueAt(e: ReminderDates, confirmed: number, now: Instant): Instant | null {
  if (!isScheduled(e.status) || e.reminderMinutesBefore === null || confirmed <= 0) return null;
  const at = e.startsAt - e.reminderMinutesBefore * 60_000;
  return at > now ? at : null;
}

/** The range check the API and the form share; null when the value is acceptable. */
export function reminderProblem(value: unknown): string | null {
  if (value === null) return null;
  const ok = typeof value === 'number' && Number.isInteger(value) && value >= REMINDER_LIMITS.min && value <= REMINDER_LIMITS.max;
  return ok
    ? null
    : `must be a whole number of minutes from ${REMINDER_LIMITS.min} to ${REMINDER_LIMITS.max}, or null for no reminder`;
}
