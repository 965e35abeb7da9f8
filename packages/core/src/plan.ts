/**
 * What an edit will do, computed before it is made: the transition it causes and how its
 * triggers move. The edit preview (`PATCH ?dryRun=true`) answers this; the real edit makes
 * exactly these changes because both come from the same functions.
 */
import Type, { type Static } from 'typebox';
import {
  type Boundary,
  type EventDates,
  type Instant,
  isScheduled,
  type LifecycleState,
  pendingTriggers,
  type Status,
  sameState,
  stateAt,
} from './lifecycle.ts';
import { reminderDueAt, type ScheduleKind } from './reminder.ts';
import { InstantString, LifecycleStateSchema, Nullable, ScheduleKindSchema } from './schema.ts';
import { formatOptional } from './time.ts';

export interface TriggerMove {
  trigger: ScheduleKind;
  from: Instant | null;
  to: Instant | null;
}

export interface EditPlan {
  transition: { from: LifecycleState; to: LifecycleState } | null;
  /** Triggers added (from null), removed (to null) or moved. */
  triggers: TriggerMove[];
}

type Scheduled = EventDates & { status: Status; reminderMinutesBefore?: number | null };

function triggersOf(e: Scheduled, confirmed: number, now: Instant): Map<ScheduleKind, Instant> {
  const out = new Map<ScheduleKind, Instant>(
    (isScheduled(e.status) ? pendingTriggers(e, now) : []).map((b: Boundary) => [b.trigger, b.at]),
  );
  const reminder = reminderDueAt({ ...e, reminderMinutesBefore: e.reminderMinutesBefore ?? null }, confirmed, now);
  if (reminder !== null) out.set('reminder', reminder);
  return out;
}

/**
 * `confirmed`: the event's confirmed attendees, on whom the reminder trigger depends (an edit
 * changes no registration, so one count serves before and after).
 */
export function planEdit(before: Scheduled & LifecycleState, after: Scheduled, now: Instant, confirmed = 0): EditPlan {
  const to = stateAt(after, after.status, now);
  const from = { status: before.status, phase: before.phase };
  const old = triggersOf(before, confirmed, now);
  const neu = triggersOf(after, confirmed, now);
  const triggers: TriggerMove[] = [];
  for (const kind of new Set([...old.keys(), ...neu.keys()])) {
    const a = old.get(kind) ?? null;
    const b = neu.get(kind) ?? null;
    if (a !== b) triggers.push({ trigger: kind, from: a, to: b });
  }
  return { transition: sameState(from, to) ? null : { from, to }, triggers };
}

/** What `PATCH /events/:id?dryRun=true` answers beside the event: the plan, instants as strings. */
export const EditEffects = Type.Object({
  transition: Nullable(Type.Object({ from: LifecycleStateSchema, to: LifecycleStateSchema })),
  triggers: Type.Array(
    Type.Object({
      trigger: ScheduleKindSchema,
      change: Type.Enum(['added', 'removed', 'moved']),
      from: Nullable(InstantString),
      to: Nullable(InstantString),
    }),
  ),
});
export type EditEffects = Static<typeof EditEffects>;

export const editEffects = (plan: EditPlan): EditEffects => ({
  transition: plan.transition,
  triggers: plan.triggers.map((t) => ({
    trigger: t.trigger,
    change: t.from === null ? 'added' : t.to === null ? 'removed' : 'moved',
    from: formatOptional(t.from),
    to: formatOptional(t.to),
  })),
});
