/**
 * The event model (SPEC §2): the request schemas (one source for validation and the OpenAPI
 * document) and the semantic rules the schemas cannot say — trimming, time zones, local wall
 * times, pairs and the order of dates. The server validates with these; the web app's forms run
 * the very same function before sending.
 */
import Type, { type Static } from 'typebox';
import { type ErrorDetail, KairosError } from './errors.ts';
import type { EventDates, Instant, LifecycleState, NextTransition } from './lifecycle.ts';
import { canonicalZone, isValidTimeZone, parseInstant } from './time.ts';

export const LIMITS = { title: 200, description: 10_000, venue: 300 } as const;

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
  capacity: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()])),
  registrationOpensAt: OptionalDate,
  registrationClosesAt: OptionalDate,
  startsAt: DateInput,
  endsAt: DateInput,
  certificatesOpenAt: OptionalDate,
  certificatesCloseAt: OptionalDate,
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
}

/** The event as the API answers it (SPEC §2). */
export interface EventView {
  id: string;
  title: string;
  description: string | null;
  venue: string | null;
  timezone: string;
  capacity: number | null;
  registrationOpensAt: string | null;
  registrationClosesAt: string | null;
  startsAt: string;
  endsAt: string;
  certificatesOpenAt: string | null;
  certificatesCloseAt: string | null;
  status: LifecycleState['status'];
  phase: LifecycleState['phase'];
  nextTransition: { at: string; status: NextTransition['status']; phase: NextTransition['phase'] } | null;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Read-only counts (SPEC §11): confirmed places, waitlisted, checked in. */
  registered: number;
  waitlisted: number;
  checkedIn: number;
}

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

type Input = Partial<EventCreateBody> | EventPatchBody;

/**
 * Resolve a create body (`base` null) or a patch (`base` the stored event) into complete, valid
 * event fields, or throw a KairosError listing every problem. Local wall times are read in the
 * resulting event's zone, so a patch that changes `timezone` and a date reads the date in the new zone.
 */
export function resolveEventFields(input: Input, base: EventFields | null, defaultTimezone: string): EventFields {
  const details: ErrorDetail[] = [];
  let localTimeProblem = false;
  const problem = (path: string, message: string) => details.push({ path, message });

  const timezone = canonicalZone(input.timezone ?? base?.timezone ?? defaultTimezone);
  if (!isValidTimeZone(timezone)) problem('timezone', `unknown time zone "${timezone}" (use an IANA name like Asia/Kolkata)`);

  const text = (field: 'description' | 'venue', max: number): string | null => {
    const v = input[field];
    if (v === undefined) return base?.[field] ?? null;
    if (v === null) return null;
    if (codePoints(v) > max) problem(field, `must be at most ${max} characters`);
    return v;
  };

  let title = base?.title ?? '';
  if (input.title !== undefined) {
    title = input.title.trim();
    const n = codePoints(title);
    if (n === 0) problem('title', 'must not be empty');
    else if (n > LIMITS.title) problem('title', `must be at most ${LIMITS.title} characters`);
  } else if (base === null) {
    problem('title', 'is required');
  }

  const dates = {} as Record<(typeof DATE_FIELDS)[number], Instant | null>;
  for (const field of DATE_FIELDS) {
    const v = input[field];
    if (v === undefined) {
      dates[field] = base?.[field] ?? null;
    } else if (v === null) {
      dates[field] = null;
    } else {
      const parsed = parseInstant(v, isValidTimeZone(timezone) ? timezone : 'UTC');
      if (parsed.ok) dates[field] = parsed.at;
      else {
        dates[field] = null;
        if (parsed.code === 'invalid_local_time') localTimeProblem = true;
        problem(field, parsed.message);
      }
    }
  }
  const failed = new Set(details.map((d) => d.path));
  for (const field of ['startsAt', 'endsAt'] as const) {
    if (dates[field] === null && !failed.has(field)) problem(field, 'is required');
  }
  for (const [a, b] of PAIRS) {
    if (failed.has(a) || failed.has(b)) continue;
    if (dates[a] === null && dates[b] !== null) problem(a, `is required when ${b} is set (both or neither)`);
    if (dates[a] !== null && dates[b] === null) problem(b, `is required when ${a} is set (both or neither)`);
  }
  for (const [a, b, strict] of ORDER) {
    const x = dates[a];
    const y = dates[b];
    if (x === null || y === null) continue;
    if (strict ? x >= y : x > y) problem(b, `must be ${strict ? 'after' : 'at or after'} ${a}`);
  }

  const capacity = input.capacity === undefined ? (base?.capacity ?? null) : input.capacity;
  const fields: EventFields = {
    title,
    description: text('description', LIMITS.description),
    venue: text('venue', LIMITS.venue),
    timezone,
    capacity,
    ...(dates as EventDates),
  };
  if (details.length > 0) {
    const code = localTimeProblem ? 'invalid_local_time' : 'validation_failed';
    const first = details[0] as ErrorDetail;
    throw new KairosError(code, `${first.path} ${first.message}`, details);
  }
  return fields;
}

/** The dates of an event, for the lifecycle functions. */
export const datesOf = (e: EventDates): EventDates => ({
  registrationOpensAt: e.registrationOpensAt,
  registrationClosesAt: e.registrationClosesAt,
  startsAt: e.startsAt,
  endsAt: e.endsAt,
  certificatesOpenAt: e.certificatesOpenAt,
  certificatesCloseAt: e.certificatesCloseAt,
});

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
