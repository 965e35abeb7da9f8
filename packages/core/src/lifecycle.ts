/**
 * The lifecycle rules of SPEC §4, as pure functions of an event's dates and an instant.
 * The server (writes, firing, doctor), the browser (badges, countdowns) and the CLI all call
 * these; no other implementation of the rules exists (invariant I5).
 */

/** Instants are epoch milliseconds everywhere inside Kairos; strings exist only at the edges. */
export type Instant = number;

export interface EventDates {
  registrationOpensAt: Instant | null;
  registrationClosesAt: Instant | null;
  startsAt: Instant;
  endsAt: Instant;
  certificatesOpenAt: Instant | null;
  certificatesCloseAt: Instant | null;
}

export const TIME_STATUSES = ['upcoming', 'ongoing', 'completed'] as const;
export const WORKFLOW_STATUSES = ['draft', 'pending_approval', 'declined', 'cancelled'] as const;
export const STATUSES = [...TIME_STATUSES, ...WORKFLOW_STATUSES] as const;
export type TimeStatus = (typeof TIME_STATUSES)[number];
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];
export type Status = (typeof STATUSES)[number];

export const TIME_PHASES = [
  'scheduled',
  'registration_not_started',
  'registration_open',
  'registration_closed',
  'in_progress',
  'certificates_available',
  'ended',
] as const;
export type TimePhase = (typeof TIME_PHASES)[number];
export type Phase = TimePhase | WorkflowStatus;
export const PHASES = [...TIME_PHASES, ...WORKFLOW_STATUSES] as const;

/** The phases each status can have (SPEC §4): every phase belongs to exactly one status. */
export const PHASES_OF_STATUS: Readonly<Record<Status, readonly Phase[]>> = {
  upcoming: ['scheduled', 'registration_not_started', 'registration_open', 'registration_closed'],
  ongoing: ['in_progress'],
  completed: ['certificates_available', 'ended'],
  draft: ['draft'],
  pending_approval: ['pending_approval'],
  declined: ['declined'],
  cancelled: ['cancelled'],
};

export interface LifecycleState {
  status: Status;
  phase: Phase;
}

export interface TimeState extends LifecycleState {
  status: TimeStatus;
  phase: TimePhase;
}

/** The six boundaries, in the order the dates must respect, with the field that holds each. */
export const TRIGGER_FIELDS = [
  ['registration_open', 'registrationOpensAt'],
  ['registration_close', 'registrationClosesAt'],
  ['event_start', 'startsAt'],
  ['event_end', 'endsAt'],
  ['certificates_open', 'certificatesOpenAt'],
  ['certificates_close', 'certificatesCloseAt'],
] as const satisfies ReadonlyArray<readonly [string, keyof EventDates]>;

export type TriggerKind = (typeof TRIGGER_FIELDS)[number][0];
export const TRIGGER_KINDS: readonly TriggerKind[] = TRIGGER_FIELDS.map(([kind]) => kind);

export interface Boundary {
  trigger: TriggerKind;
  at: Instant;
}

const state = (status: TimeStatus, phase: TimePhase): TimeState => ({ status, phase });

/** SPEC §4 for an approved, non-cancelled event. Windows are half-open: `[a, b)`. */
export function lifecycleAt(d: EventDates, t: Instant): TimeState {
  const reg = d.registrationOpensAt !== null && d.registrationClosesAt !== null;
  if (t < d.startsAt) {
    if (!reg) return state('upcoming', 'scheduled');
    if (t < (d.registrationOpensAt as Instant)) return state('upcoming', 'registration_not_started');
    if (t < (d.registrationClosesAt as Instant)) return state('upcoming', 'registration_open');
    return state('upcoming', 'registration_closed');
  }
  if (t < d.endsAt) return state('ongoing', 'in_progress');
  const certs = d.certificatesOpenAt !== null && d.certificatesCloseAt !== null;
  if (certs && (d.certificatesOpenAt as Instant) <= t && t < (d.certificatesCloseAt as Instant)) {
    return state('completed', 'certificates_available');
  }
  return state('completed', 'ended');
}

/** Every boundary the event's dates define, sorted by instant (ties keep SPEC order). */
export function boundaries(d: EventDates): Boundary[] {
  const out: Boundary[] = [];
  for (const [trigger, field] of TRIGGER_FIELDS) {
    const at = d[field];
    if (at !== null) out.push({ trigger, at });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The triggers an approved, non-cancelled event must have pending at `now` (invariant I1). */
export function pendingTriggers(d: EventDates, now: Instant): Boundary[] {
  return boundaries(d).filter((b) => b.at > now);
}

export const sameState = (a: LifecycleState | null, b: LifecycleState | null): boolean =>
  a !== null && b !== null && a.status === b.status && a.phase === b.phase;

export interface NextTransition {
  at: Instant;
  status: TimeStatus;
  phase: TimePhase;
}

/** The first boundary after `t` whose state differs from the state at `t`; null when none. */
export function nextTransition(d: EventDates, t: Instant): NextTransition | null {
  const current = lifecycleAt(d, t);
  for (const b of boundaries(d)) {
    if (b.at <= t) continue;
    const next = lifecycleAt(d, b.at);
    if (!sameState(next, current)) return { at: b.at, status: next.status, phase: next.phase };
  }
  return null;
}

/** Statuses whose events run on the clock and therefore have triggers. */
export const isScheduled = (status: Status): status is TimeStatus => (TIME_STATUSES as readonly string[]).includes(status);

/**
 * The state an event should have at `t`: the clock's state for approved events, the workflow
 * status (phase = status) otherwise.
 */
export function stateAt(d: EventDates, status: Status, t: Instant): LifecycleState {
  return isScheduled(status) ? lifecycleAt(d, t) : { status, phase: status as WorkflowStatus };
}

/**
 * What a screen should show for an event at `t`: approved events follow their dates (so a badge
 * flips at the boundary even before the server's message arrives), others show their workflow
 * status.
 */
export function displayState(d: EventDates & LifecycleState, t: Instant): LifecycleState {
  return isScheduled(d.status) ? lifecycleAt(d, t) : { status: d.status, phase: d.phase };
}

/**
 * The phase that gates attendees at `t` (SPEC §11): from the dates for approved events, never from
 * the stored phase (which lags a boundary by the firing's lateness); the workflow status otherwise,
 * so a cancelled event opens nothing whatever its dates.
 */
export const gatePhaseAt = (d: EventDates & { status: Status }, t: Instant): Phase => stateAt(d, d.status, t).phase;

/**
 * The earliest instant a server's answer proves its clock had reached: the start of the run of
 * boundaries with `state` that ends at the answer's `nextAt` (its `nextTransition`; null: the
 * last run). `-Infinity` when the answer proves nothing: a workflow status, the first state of the
 * dates, or a state the dates do not give just before `nextAt` (an answer about other dates).
 */
export function serverFloor(d: EventDates, state: LifecycleState, nextAt: Instant | null): Instant {
  if (!isScheduled(state.status)) return Number.NEGATIVE_INFINITY;
  const before = boundaries(d).filter((b) => nextAt === null || b.at < nextAt);
  let floor = Number.NEGATIVE_INFINITY;
  for (let i = before.length - 1; i >= 0; i--) {
    const at = (before[i] as Boundary).at;
    if (!sameState(lifecycleAt(d, at), state)) break;
    floor = at;
  }
  return floor;
}

/**
 * The instant a screen shows an event at: its own clock `t`, or later when the server's answer
 * (a stream message or a fetch) shows the server already past a boundary that `t` has not reached
 * — a device clock that fell behind or a starved tab never holds a passed boundary on screen, and
 * the local clock takes over again once it passes the server's word.
 */
export function shownAt(d: EventDates, server: LifecycleState, nextAt: Instant | null, t: Instant): Instant {
  return Math.max(t, serverFloor(d, server, nextAt));
}
