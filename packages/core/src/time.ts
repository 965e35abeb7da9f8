/**
 * Instants at the edges: parsing what people type (RFC 3339 with an offset, or a wall time read
 * in the event's zone) and printing what the API answers (UTC, milliseconds, `Z`).
 * Zone arithmetic is Temporal's (the polyfill until runtimes ship it); no offset is computed by hand.
 */
import { Temporal } from 'temporal-polyfill';
import type { Instant } from './lifecycle.ts';

export type ParsedInstant =
  | { ok: true; at: Instant }
  | { ok: false; code: 'validation_failed' | 'invalid_local_time'; message: string };

// RFC 3339 date-time, seconds optional, offset optional (absent = a wall time in the zone).
const INSTANT_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2})?$/;
const MIN_YEAR = 1970;
const MAX_YEAR = 9999;

const fail = (message: string): ParsedInstant => ({ ok: false, code: 'validation_failed', message });
// The range applies to the resulting instant too: an offset or zone can push a wall time in 1970 or
// 9999 outside it, and formatInstant could not print that as RFC 3339 (`+010000-…`) nor read it back.
const MIN_AT = Date.UTC(MIN_YEAR, 0, 1);
const MAX_AT = Date.UTC(MAX_YEAR + 1, 0, 1) - 1;
const within = (at: Instant): ParsedInstant =>
  at < MIN_AT || at > MAX_AT ? fail(`must be between ${MIN_YEAR} and ${MAX_YEAR} in UTC`) : { ok: true, at };

/** Is this an IANA zone name the runtime knows (`Asia/Kolkata`, `UTC`)? Offsets are not zones. */
export function isValidTimeZone(zone: string): boolean {
  if (validZones.has(zone)) return true;
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(zone) || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    return false;
  }
  // Only valid names are kept (a few hundred exist): hostile input cannot grow the set.
  validZones.add(zone);
  return true;
}

/**
 * Zones already found valid. Building an Intl.DateTimeFormat to ask costs ~0.1 ms, and an event
 * write asks once per date field: it was 6.6 % of the CPU of `POST /events` (node --cpu-prof).
 */
const validZones = new Set<string>();

let knownZones: Map<string, string> | null = null;
/**
 * The zone's name as IANA spells it (`asia/kolkata` → `Asia/Kolkata`); the name as given when
 * the runtime lists no such spelling (links like `Asia/Calcutta` stay as typed).
 */
export function canonicalZone(zone: string): string {
  if (!knownZones) {
    let list: string[] = [];
    try {
      list = Intl.supportedValuesOf('timeZone');
    } catch {
      // Older runtimes: keep names as given.
    }
    knownZones = new Map([...list, 'UTC'].map((z) => [z.toLowerCase(), z]));
  }
  return knownZones.get(zone.toLowerCase()) ?? zone;
}

/** The instant of a UTC wall time `utc` read at `offset` (Z or ±hh:mm). */
function withOffset(utc: number, offset: string): ParsedInstant {
  if (offset === 'Z' || offset === 'z') return within(utc);
  const sign = offset.startsWith('-') ? -1 : 1;
  const [oh, om] = offset.slice(1).split(':').map(Number) as [number, number];
  if (oh > 23 || om > 59) return fail('offset must be between -23:59 and +23:59');
  return within(utc - sign * (oh * 60 + om) * 60_000);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A wall time read as UTC, in epoch milliseconds, when every field is in its range (the day in
 * its month, by the proleptic Gregorian calendar Temporal's ISO calendar is); null otherwise, for
 * Temporal to say what is wrong. The same arithmetic as Temporal's for these years (1970–9999),
 * without building its objects: the API parses every date of every write.
 */
function utcOf(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
): number | null {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (days === undefined || day < 1 || day > days || hour > 23 || minute > 59 || second > 59) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/**
 * Parse an input instant. With an offset it is absolute; without, it is a wall time in `zone`:
 * a time skipped by a forward clock change is `invalid_local_time`, a repeated one is the earlier
 * instant. Digits below the millisecond are truncated (the precision is the millisecond).
 */
export function parseInstant(input: string, zone: string): ParsedInstant {
  const m = INSTANT_RE.exec(input.trim());
  if (!m) return fail('must be a date-time like 2026-12-01T10:00 or 2026-12-01T04:30:00.000Z');
  const [, y, mo, d, h, mi, s, frac, offset] = m;
  const year = Number(y);
  if (year < MIN_YEAR || year > MAX_YEAR) return fail(`year must be between ${MIN_YEAR} and ${MAX_YEAR}`);
  if (offset !== undefined) {
    const utc = utcOf(
      year,
      Number(mo),
      Number(d),
      Number(h),
      Number(mi),
      Number(s ?? 0),
      Number((frac ?? '').padEnd(3, '0').slice(0, 3)),
    );
    if (utc !== null) return withOffset(utc, offset);
  }
  let wall: Temporal.PlainDateTime;
  try {
    wall = Temporal.PlainDateTime.from(
      {
        year,
        month: Number(mo),
        day: Number(d),
        hour: Number(h),
        minute: Number(mi),
        second: Number(s ?? 0),
        millisecond: Number((frac ?? '').padEnd(3, '0').slice(0, 3)),
      },
      { overflow: 'reject' },
    );
  } catch {
    return fail(`${input.trim().slice(0, 10)} is not a date on the calendar`);
  }
  if (offset !== undefined) return withOffset(wall.toZonedDateTime('UTC').epochMilliseconds, offset);
  if (!isValidTimeZone(zone)) return fail(`unknown time zone ${zone}`);
  const zoned = wall.toZonedDateTime(zone, { disambiguation: 'earlier' });
  if (!zoned.toPlainDateTime().equals(wall)) {
    return {
      ok: false,
      code: 'invalid_local_time',
      message: `${wall.toString({ smallestUnit: 'minute' })} does not exist in ${zone} (clocks jump forward then)`,
    };
  }
  return within(zoned.epochMilliseconds);
}

/** Years 1970–9999: where `Date#toISOString` writes exactly what Temporal would. */
const FOUR_DIGIT_YEARS = Date.UTC(10_000, 0, 1);

/**
 * The API's instant format: UTC RFC 3339 with milliseconds and `Z`. `Date#toISOString` writes
 * the same string ~30× faster than the Temporal polyfill (profiled: formatting was 60% of the
 * CPU a burst of 10 000 stream messages cost), so Temporal serves only the years it cannot.
 */
export function formatInstant(at: Instant): string {
  if (at >= 0 && at < FOUR_DIGIT_YEARS) return new Date(at).toISOString();
  return Temporal.Instant.fromEpochMilliseconds(at).toString({ fractionalSecondDigits: 3 });
}

/** `formatInstant` for nullable values. */
export const formatOptional = (at: Instant | null): string | null => (at === null ? null : formatInstant(at));

/** A wall time in `zone` for `<input type="datetime-local">` and humans: `2026-12-01T10:00`. */
export function toWallTime(at: Instant, zone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(at)
    .toZonedDateTimeISO(zone)
    .toPlainDateTime()
    .toString({ smallestUnit: 'minute' });
}

/** A readable date-time in `zone`, with the zone's short name: `1 Dec 2026, 10:00 GMT+5:30`. */
export function formatInZone(at: Instant, zone: string, locale = 'en-GB'): string {
  // Components, not dateStyle/timeStyle: Intl refuses timeZoneName beside a style (TypeError).
  return new Intl.DateTimeFormat(locale, {
    timeZone: zone,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(at);
}

/**
 * How a wall time without offset reads in `zone`: `gap` when clocks jump over it (it does not
 * exist), `overlap` when it happens twice (Kairos takes the earlier), `ok` otherwise. Forms use
 * this to explain DST before anything is sent.
 */
export function wallTimeKind(wall: string, zone: string): 'ok' | 'gap' | 'overlap' | 'invalid' {
  if (!isValidTimeZone(zone)) return 'invalid';
  let plain: Temporal.PlainDateTime;
  try {
    plain = Temporal.PlainDateTime.from(wall, { overflow: 'reject' });
  } catch {
    return 'invalid';
  }
  const earlier = plain.toZonedDateTime(zone, { disambiguation: 'earlier' });
  if (!earlier.toPlainDateTime().equals(plain)) return 'gap';
  const later = plain.toZonedDateTime(zone, { disambiguation: 'later' });
  return earlier.epochMilliseconds === later.epochMilliseconds ? 'ok' : 'overlap';
}

/** Milliseconds as a short human duration: `2 d 3 h`, `4 min 05 s`, `12 s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(sec).padStart(2, '0')} s`;
  return `${sec} s`;
}
