/**
 * The event form's model: text fields as typed, turned into an API body, validated with the
 * very function the server uses (core `resolveEventFields`) before anything is sent.
 */
import {
  type DATE_FIELDS,
  datesOfView,
  type ErrorDetail,
  type EventFields,
  type EventInput,
  type EventView,
  KairosError,
  parseInstant,
  REMINDER_LIMITS,
  resolveEventFields,
  toWallTime,
} from '@kairos/core';

export type DateKey = (typeof DATE_FIELDS)[number];

export interface FormValues extends Record<DateKey, string> {
  title: string;
  description: string;
  venue: string;
  timezone: string;
  capacity: string;
  /** Minutes before the start; empty: no reminder. */
  reminderMinutesBefore: string;
}

export const emptyForm = (zone: string): FormValues => ({
  title: '',
  description: '',
  venue: '',
  timezone: zone,
  capacity: '',
  reminderMinutesBefore: String(REMINDER_LIMITS.default),
  registrationOpensAt: '',
  registrationClosesAt: '',
  startsAt: '',
  endsAt: '',
  certificatesOpenAt: '',
  certificatesCloseAt: '',
});

/**
 * `toWallTime` stops at the minute, but an event set through the API may carry seconds and
 * milliseconds: the form keeps them (datetime-local shows `:ss.mmm`), or saving any edit would
 * silently move every such date back to its minute.
 */
function wallTimeExact(at: number, zone: string): string {
  const base = toWallTime(at, zone);
  const floor = parseInstant(base, zone);
  const rest = floor.ok ? at - floor.at : 0;
  if (rest <= 0 || rest >= 60_000) return base;
  const seconds = String(Math.floor(rest / 1000)).padStart(2, '0');
  return rest % 1000 === 0 ? `${base}:${seconds}` : `${base}:${seconds}.${String(rest % 1000).padStart(3, '0')}`;
}

export function formFromEvent(e: EventView): FormValues {
  const wall = (iso: string | null) => (iso ? wallTimeExact(Date.parse(iso), e.timezone) : '');
  return {
    title: e.title,
    description: e.description ?? '',
    venue: e.venue ?? '',
    timezone: e.timezone,
    capacity: e.capacity === null ? '' : String(e.capacity),
    reminderMinutesBefore: e.reminderMinutesBefore === null ? '' : String(e.reminderMinutesBefore),
    registrationOpensAt: wall(e.registrationOpensAt),
    registrationClosesAt: wall(e.registrationClosesAt),
    startsAt: wall(e.startsAt),
    endsAt: wall(e.endsAt),
    certificatesOpenAt: wall(e.certificatesOpenAt),
    certificatesCloseAt: wall(e.certificatesCloseAt),
  };
}

/** The fields of a stored event, as the validation's base for an edit. */
export function fieldsOf(e: EventView): EventFields {
  return {
    title: e.title,
    description: e.description,
    venue: e.venue,
    timezone: e.timezone,
    capacity: e.capacity,
    reminderMinutesBefore: e.reminderMinutesBefore,
    ...datesOfView(e),
  };
}

/**
 * Wall times are sent without offset: the server reads them in the event's zone. An emptied
 * field is null, so the shared rules say "is required" for a required date; a capacity that is
 * not a number stays NaN for them to refuse.
 */
export function toBody(v: FormValues): EventInput {
  const opt = (s: string) => (s.trim() === '' ? null : s.trim());
  return {
    title: v.title,
    description: opt(v.description),
    venue: opt(v.venue),
    timezone: v.timezone.trim(),
    capacity: v.capacity.trim() === '' ? null : Number(v.capacity),
    reminderMinutesBefore: v.reminderMinutesBefore.trim() === '' ? null : Number(v.reminderMinutesBefore),
    registrationOpensAt: opt(v.registrationOpensAt),
    registrationClosesAt: opt(v.registrationClosesAt),
    startsAt: opt(v.startsAt),
    endsAt: opt(v.endsAt),
    certificatesOpenAt: opt(v.certificatesOpenAt),
    certificatesCloseAt: opt(v.certificatesCloseAt),
  };
}

/** Field → message, from the validation the server runs (nothing is sent while this is not empty). */
export function validate(v: FormValues, base: EventFields | null): Record<string, string> {
  try {
    resolveEventFields(toBody(v), base, v.timezone || 'UTC');
    return {};
  } catch (e) {
    if (!(e instanceof KairosError)) throw e;
    return detailsToErrors(e.details ?? []);
  }
}

/** The first message for each field (a field may break several rules at once). */
export function detailsToErrors(details: readonly ErrorDetail[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const d of details) errors[d.path || 'form'] ??= d.message;
  return errors;
}
