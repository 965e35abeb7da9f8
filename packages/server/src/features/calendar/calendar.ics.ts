/**
 * Events as iCalendar (RFC 5545, SPEC §13). `ical-generator` writes the objects — escaping of
 * `,;\` and newlines, folding at 75 octets without splitting a UTF-8 sequence — and
 * `timezones-ical-library` supplies each zone's VTIMEZONE (kept current with tzdata; the older
 * `@touch4it/ical-timezones` still ships 2018 rules). Instants go in as `Temporal.Instant`:
 * ical-generator converts those into the event's zone itself, whereas a plain `Date` would be
 * printed in the process's own zone.
 */
import { parseInstant, type Status, toWallTime } from '@kairos/core';
import ical, { ICalEventStatus } from 'ical-generator';
import { Temporal } from 'temporal-polyfill';
import { tzlib_get_ical_block } from 'timezones-ical-library';
import type { EventRecord } from '../events/event.record.ts';

export const CALENDAR_CONTENT_TYPE = 'text/calendar; charset=utf-8';
const PRODID = { company: 'Kairos', product: 'Kairos events', language: 'EN' };

const blocks = new Map<string, string | null>();

/** The VTIMEZONE block of `zone`, or null when the library has none (the event is then written in UTC). */
export function vtimezone(zone: string): string | null {
  let block = blocks.get(zone);
  if (block === undefined) {
    const found = tzlib_get_ical_block(zone);
    block = Array.isArray(found) && typeof found[0] === 'string' && found[0].startsWith('BEGIN:VTIMEZONE') ? found[0] : null;
    blocks.set(zone, block);
  }
  return block;
}

/**
 * CONFIRMED or CANCELLED as SPEC §13 says for published events. A draft or pending event (only
 * its owner or an admin can download it) is TENTATIVE; a declined one will not happen: CANCELLED.
 */
function icalStatus(status: Status): ICalEventStatus {
  if (status === 'cancelled' || status === 'declined') return ICalEventStatus.CANCELLED;
  if (status === 'draft' || status === 'pending_approval') return ICalEventStatus.TENTATIVE;
  return ICalEventStatus.CONFIRMED;
}

export interface CalendarOptions {
  /** KAIROS_PUBLIC_URL without a trailing slash: UIDs take its host, URLs point at its web app. */
  publicUrl: string;
  name: string;
}

/**
 * Whether `at` can be written as a wall time with TZID: RFC 5545 §3.3.5 reads a wall time that
 * occurs twice (clocks going back) as its first occurrence, so the second one cannot be said
 * that way. (Kairos itself reads such an input as the earlier one too.)
 */
function sayableInZone(at: number, zone: string): boolean {
  const back = parseInstant(`${toWallTime(at, zone)}:${String(new Date(at).getUTCSeconds()).padStart(2, '0')}`, zone);
  return back.ok && Math.floor(back.at / 1000) === Math.floor(at / 1000);
}

export const eventPageUrl = (publicUrl: string, id: string): string => `${publicUrl}/events/${encodeURIComponent(id)}`;

/** One VCALENDAR holding one VEVENT per event and one VTIMEZONE per zone those events use. */
export function renderCalendar(events: readonly EventRecord[], opts: CalendarOptions): string {
  const host = new URL(opts.publicUrl).hostname;
  const calendar = ical({ prodId: PRODID, name: opts.name });
  // name null: no calendar-wide zone; the generator is asked once for each event's zone.
  calendar.timezone({ name: null, generator: vtimezone });
  for (const e of events) {
    // Else UTC (`…Z`): the same instant, for an event whose zone the library lacks or whose
    // start or end is the second occurrence of a repeated wall time.
    const zoned =
      e.timezone !== 'UTC' &&
      vtimezone(e.timezone) !== null &&
      sayableInZone(e.startsAt, e.timezone) &&
      sayableInZone(e.endsAt, e.timezone);
    calendar.createEvent({
      // Stable forever: the id never changes, and neither does the host it is qualified with.
      id: `${e.id}@${host}`,
      // RFC 5545 §3.8.7.2: without METHOD, DTSTAMP is when the information was last revised.
      stamp: Temporal.Instant.fromEpochMilliseconds(e.updatedAt),
      start: Temporal.Instant.fromEpochMilliseconds(e.startsAt),
      end: Temporal.Instant.fromEpochMilliseconds(e.endsAt),
      timezone: zoned ? e.timezone : null,
      summary: e.title,
      description: e.description,
      location: e.venue,
      url: eventPageUrl(opts.publicUrl, e.id),
      // `version` grows by one with every user write and starts at 1; SEQUENCE starts at 0.
      sequence: e.version - 1,
      status: icalStatus(e.status),
      created: Temporal.Instant.fromEpochMilliseconds(e.createdAt),
      lastModified: Temporal.Instant.fromEpochMilliseconds(e.updatedAt),
    });
  }
  // RFC 5545 ends every content line with CRLF, the last one too; ical-generator omits that one.
  const text = calendar.toString();
  return text.endsWith('\r\n') ? text : `${text}\r\n`;
}
