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
  type TriggerKind,
} from './lifecycle.ts';
import { InstantString, LifecycleStateSchema, Nullable, TriggerKindSchema } from './schema.ts';
import { formatOptional } from './time.ts';

export interface TriggerMove {
  trigger: TriggerKind;
  from: Instant | null;
  to: Instant | null;
}

export interface EditPlan {
  transition: { from: LifecycleState; to: LifecycleState } | null;
  /** Triggers added (from null), removed (to null) or moved. */
  triggers: TriggerMove[];
}

type Scheduled = EventDates & { status: Status };

const triggersOf = (e: Scheduled, now: Instant): Boundary[] => (isScheduled(e.status) ? pendingTriggers(e, now) : []);

export function planEdit(before: Scheduled & LifecycleState, after: Scheduled, now: Instant): EditPlan {
  const to = stateAt(after, after.status, now);
  const from = { status: before.status, phase: before.phase };
  const old = new Map(triggersOf(before, now).map((b) => [b.trigger, b.at]));
  const neu = new Map(triggersOf(after, now).map((b) => [b.trigger, b.at]));
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
      trigger: TriggerKindSchema,
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
