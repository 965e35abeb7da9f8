/**
 * The event model (SPEC §2): the request and response schemas (one source for validation,
 * serialisation, the OpenAPI document and the web app's types) and the semantic rules the schemas cannot say — trimming, time zones, local wall
 * times, pairs and the order of dates. The server validates with these; the web app's forms run
 * the very same function before sending.
 */
import Type, { type Static } from 'typebox';
import { type ErrorDetail, KairosError } from './errors.ts';
import { type EventDates, type Instant, shownAt, TIME_PHASES, TIME_STATUSES } from './lifecycle.ts';
import { REMINDER_LIMITS, reminderProblem } from './reminder.ts';
import { InstantString, Nullable, PhaseSchema, StatusSchema } from './schema.ts';
import { textProblem } from './text.ts';
import { canonicalZone, isValidTimeZone, parseInstant } from './time.ts';

export const LIMITS = { title: 200, description: 10_000, venue: 300, capacity: 1_000_000 } as const;

const DateInput = Type.String({
  maxLength: 64,
  description: 'RFC 3339 with an offset, or a wall time without one, read in the event time zone',
  examples: ['2026-12-01T10:00', '2026-12-01T04:30:00.000Z'],
});
const OptionalDate = Type.Optional(Type.Union([DateInput, Type.Null()]));
const OptionalText = (maxLength: number) => Type.Optional(Type.Union([Type.String({ maxLength }), Type.Null()]));
/** Read-only fields may be echoed back by clients (a GET body edited and sent); they are ignored. */
const ReadOnly = Type.Optional(Type.Unknown({ description: 'read-only: ignored' }));
const READ_ONLY_FIELDS = {
  id: ReadOnly,
  status: ReadOnly,
  phase: ReadOnly,
  nextTransition: ReadOnly,
  createdBy: ReadOnly,
  createdAt: ReadOnly,
  updatedAt: ReadOnly,
  registered: ReadOnly,
  waitlisted: ReadOnly,
  checkedIn: ReadOnly,
};

const editable = {
  // Lengths are checked after trimming (below); this bound only keeps absurd bodies out early.
  title: Type.String({ maxLength: 1000 }),
  description: OptionalText(LIMITS.description),
  venue: OptionalText(LIMITS.venue),
  timezone: Type.Optional(Type.String({ maxLength: 64, examples: ['Asia/Kolkata'] })),
  // The range is checked by resolveEventFields, so the form and the API give one message for it.
  capacity: Type.Optional(Type.Union([Type.Integer({ description: `1 to ${LIMITS.capacity}` }), Type.Null()])),
  registrationOpensAt: OptionalDate,
  registrationClosesAt: OptionalDate,
  startsAt: DateInput,
  endsAt: DateInput,
  certificatesOpenAt: OptionalDate,
  certificatesCloseAt: OptionalDate,
  // The range is checked by resolveEventFields too (one message for the form and the API).
  reminderMinutesBefore: Type.Optional(
    Type.Union([
      Type.Integer({
        description: `minutes before startsAt the attendees' reminder goes out (${REMINDER_LIMITS.min}–${REMINDER_LIMITS.max}; default ${REMINDER_LIMITS.default}); null: none`,
      }),
      Type.Null(),
    ]),
  ),
};

export const EventCreateBody = Type.Object(
  {
    ...editable,
    draft: Type.Optional(Type.Boolean({ description: 'save as a draft instead of submitting' })),
    ...READ_ONLY_FIELDS,
    version: ReadOnly,
  },
  { additionalProperties: false },
);
export type EventCreateBody = Static<typeof EventCreateBody>;

export const EventPatchBody = Type.Object(
  {
    ...editable,
    title: Type.Optional(editable.title),
    startsAt: Type.Optional(DateInput),
    endsAt: Type.Optional(DateInput),
    version: Type.Optional(Type.Integer({ minimum: 0, description: 'precondition: the version you edited' })),
    ...READ_ONLY_FIELDS,
  },
  { additionalProperties: false },
);
export type EventPatchBody = Static<typeof EventPatchBody>;

/** What a user can set on an event, resolved: instants in ms, texts trimmed, defaults applied. */
export interface EventFields extends EventDates {
  title: string;
  description: string | null;
  venue: string | null;
  timezone: string;
  capacity: number | null;
  /** Minutes before `startsAt` the reminder mail goes out; null: none (SPEC §14). */
  reminderMinutesBefore: number | null;
}

/** The event as the API answers it (SPEC §2): the response schema of every event route. */
export const EventView = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    description: Nullable(Type.String()),
    venue: Nullable(Type.String()),
    timezone: Type.String(),
    capacity: Nullable(Type.Integer()),
    registrationOpensAt: Nullable(InstantString),
    registrationClosesAt: Nullable(InstantString),
    startsAt: InstantString,
    endsAt: InstantString,
    certificatesOpenAt: Nullable(InstantString),
    certificatesCloseAt: Nullable(InstantString),
    reminderMinutesBefore: Nullable(
      Type.Integer({ description: 'minutes before startsAt the reminder mail goes out; null: none' }),
    ),
    status: StatusSchema,
    phase: PhaseSchema,
    nextTransition: Nullable(Type.Object({ at: InstantString, status: Type.Enum(TIME_STATUSES), phase: Type.Enum(TIME_PHASES) })),
    version: Type.Integer(),
    createdBy: Type.String(),
    createdAt: InstantString,
    updatedAt: InstantString,
    registered: Type.Integer({ description: 'confirmed registrations (read-only)' }),
    waitlisted: Type.Integer({ description: 'registrations on the waitlist (read-only)' }),
    checkedIn: Type.Integer({ description: 'attendees checked in (read-only)' }),
  },
  { additionalProperties: true },
);
export type EventView = Static<typeof EventView>;

const DATE_FIELDS = [
  'registrationOpensAt',
  'registrationClosesAt',
  'startsAt',
  'endsAt',
  'certificatesOpenAt',
  'certificatesCloseAt',
] as const satisfies ReadonlyArray<keyof EventDates>;

/** Pairs that exist together, and the order of all dates: [earlier, later, strict]. */
const PAIRS = [
  ['registrationOpensAt', 'registrationClosesAt'],
  ['certificatesOpenAt', 'certificatesCloseAt'],
] as const;
const ORDER = [
  ['registrationOpensAt', 'registrationClosesAt', true],
  ['registrationClosesAt', 'startsAt', false],
  ['startsAt', 'endsAt', true],
  ['endsAt', 'certificatesOpenAt', false],
  ['certificatesOpenAt', 'certificatesCloseAt', true],
] as const;

const codePoints = (s: string): number => [...s].length;

/**
 * What the resolver accepts: a create body or a patch. Required dates may also come as null (a
 * form's emptied field); the request schemas never let null through, the resolver says "is required".
 */
export type EventInput = Omit<Partial<EventCreateBody>, 'startsAt' | 'endsAt'> & {
  startsAt?: string | null | undefined;
  endsAt?: string | null | undefined;
};
type DateField = (typeof DATE_FIELDS)[number];

/** Every problem found, with whether one was a wall time the zone skips (its own error code). */
class Problems {
  readonly details: ErrorDetail[] = [];
  localTime = false;
  add(path: string, message: string): void {
    this.details.push({ path, message });
  }
  throwIfAny(): void {
    const first = this.details[0];
    if (!first) return;
    throw new KairosError(
      this.localTime ? 'invalid_local_time' : 'validation_failed',
      `${first.path} ${first.message}`,
      this.details,
    );
  }
}

function resolveTitle(input: EventInput, base: EventFields | null, problems: Problems): string {
  if (input.title === undefined) {
    if (base === null) problems.add('title', 'is required');
    return base?.title ?? '';
  }
  const title = input.title.trim();
  const n = codePoints(title);
  const bad = textProblem(title, 'line');
  if (n === 0) problems.add('title', 'must not be empty');
  else if (n > LIMITS.title) problems.add('title', `must be at most ${LIMITS.title} characters`);
  else if (bad) problems.add('title', bad);
  return title;
}

function resolveText(input: EventInput, base: EventFields | null, field: 'description' | 'venue', problems: Problems) {
  const v = input[field];
  if (v === undefined) return base?.[field] ?? null;
  if (v === null) return null;
  const bad = textProblem(v, field === 'description' ? 'multiline' : 'line');
  if (codePoints(v) > LIMITS[field]) problems.add(field, `must be at most ${LIMITS[field]} characters`);
  else if (bad) problems.add(field, bad);
  return v;
}

function resolveReminder(input: EventInput, base: EventFields | null, problems: Problems): number | null {
  const value =
    input.reminderMinutesBefore === undefined
      ? base
        ? base.reminderMinutesBefore
        : REMINDER_LIMITS.default
      : input.reminderMinutesBefore;
  const problem = reminderProblem(value);
  if (problem !== null) problems.add('reminderMinutesBefore', problem);
  return value;
}

function resolveCapacity(input: EventInput, base: EventFields | null, problems: Problems): number | null {
  const capacity = input.capacity === undefined ? (base?.capacity ?? null) : input.capacity;
  if (capacity !== null && (!Number.isInteger(capacity) || capacity < 1 || capacity > LIMITS.capacity)) {
    problems.add('capacity', `must be a whole number from 1 to ${LIMITS.capacity}`);
  }
  return capacity;
}

/** Each date as an instant (wall times read in `zone`), or null: absent, cleared or unreadable. */
function parseDates(
  input: EventInput,
  base: EventFields | null,
  zone: string,
  problems: Problems,
): Record<DateField, Instant | null> {
  const dates = {} as Record<DateField, Instant | null>;
  for (const field of DATE_FIELDS) {
    const v = input[field];
    if (v === undefined) dates[field] = base?.[field] ?? null;
    else if (v === null) dates[field] = null;
    else {
      const parsed = parseInstant(v, zone);
      dates[field] = parsed.ok ? parsed.at : null;
      if (!parsed.ok) {
        if (parsed.code === 'invalid_local_time') problems.localTime = true;
        problems.add(field, parsed.message);
      }
    }
  }
  return dates;
}

/** Required dates, pairs (both or neither) and their order; a date that failed to parse is not judged again. */
function checkDates(dates: Record<DateField, Instant | null>, problems: Problems): void {
  const failed = new Set(problems.details.map((d) => d.path));
  for (const field of ['startsAt', 'endsAt'] as const) {
    if (dates[field] === null && !failed.has(field)) problems.add(field, 'is required');
  }
  for (const [a, b] of PAIRS) {
    if (failed.has(a) || failed.has(b)) continue;
    if (dates[a] === null && dates[b] !== null) problems.add(a, `is required when ${b} is set (both or neither)`);
    if (dates[a] !== null && dates[b] === null) problems.add(b, `is required when ${a} is set (both or neither)`);
  }
  for (const [a, b, strict] of ORDER) {
    const x = dates[a];
    const y = dates[b];
    if (x === null || y === null) continue;
    if (strict ? x >= y : x > y) problems.add(b, `must be ${strict ? 'after' : 'at or after'} ${a}`);
  }
}

/**
 * Resolve a create body (`base` null) or a patch (`base` the stored event) into complete, valid
 * event fields, or throw a KairosError listing every problem. Local wall times are read in the
 * resulting event's zone, so a patch that changes `timezone` and a date reads the date in the new zone.
 */
export function resolveEventFields(input: EventInput, base: EventFields | null, defaultTimezone: string): EventFields {
  const problems = new Problems();
  const timezone = canonicalZone(input.timezone ?? base?.timezone ?? defaultTimezone);
  const validZone = isValidTimeZone(timezone);
  if (!validZone) problems.add('timezone', `unknown time zone "${timezone}" (use an IANA name like Asia/Kolkata)`);
  const title = resolveTitle(input, base, problems);
  const dates = parseDates(input, base, validZone ? timezone : 'UTC', problems);
  checkDates(dates, problems);
  const fields: EventFields = {
    title,
    description: resolveText(input, base, 'description', problems),
    venue: resolveText(input, base, 'venue', problems),
    timezone,
    capacity: resolveCapacity(input, base, problems),
    reminderMinutesBefore: resolveReminder(input, base, problems),
    ...(dates as EventDates),
  };
  problems.throwIfAny();
  return fields;
}

export { DATE_FIELDS };

/** The dates of an event as the API answers it (strings), as instants for the lifecycle functions. */
export function datesOfView(v: Pick<EventView, (typeof DATE_FIELDS)[number]>): EventDates {
  const at = (s: string | null) => (s === null ? null : Date.parse(s));
  return {
    registrationOpensAt: at(v.registrationOpensAt),
    registrationClosesAt: at(v.registrationClosesAt),
    startsAt: Date.parse(v.startsAt),
    endsAt: Date.parse(v.endsAt),
    certificatesOpenAt: at(v.certificatesOpenAt),
    certificatesCloseAt: at(v.certificatesCloseAt),
  };
}

/** `shownAt` for an event as the API answers it: the instant a screen should show it at, given its own clock `t`. */
export function shownAtOfView(v: EventView, t: Instant): Instant {
  return shownAt(datesOfView(v), v, v.nextTransition ? Date.parse(v.nextTransition.at) : null, t);
}
