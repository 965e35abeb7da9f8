import {
  type EventView,
  formatInstant,
  formatOptional,
  isScheduled,
  nextTransition,
  type RegistrationCounts,
} from '@kairos/core';
import type { EventRecord } from './event.record.ts';

/** The event as the API answers it, `nextTransition` computed at `now`, with its registration counts. */
export function toEventView(e: EventRecord, now: number, counts: RegistrationCounts): EventView {
  const next = isScheduled(e.status) ? nextTransition(e, now) : null;
  return {
    id: e.id,
    title: e.title,
    description: e.description,
    venue: e.venue,
    timezone: e.timezone,
    capacity: e.capacity,
    registrationOpensAt: formatOptional(e.registrationOpensAt),
    registrationClosesAt: formatOptional(e.registrationClosesAt),
    startsAt: formatInstant(e.startsAt),
    endsAt: formatInstant(e.endsAt),
    certificatesOpenAt: formatOptional(e.certificatesOpenAt),
    certificatesCloseAt: formatOptional(e.certificatesCloseAt),
    reminderMinutesBefore: e.reminderMinutesBefore,
    status: e.status,
    phase: e.phase,
    nextTransition: next && { at: formatInstant(next.at), status: next.status, phase: next.phase },
    version: e.version,
    createdBy: e.createdBy,
    createdAt: formatInstant(e.createdAt),
    updatedAt: formatInstant(e.updatedAt),
    registered: counts.registered,
    waitlisted: counts.waitlisted,
    checkedIn: counts.checkedIn,
  };
}

/**
 * Strong validator: changes with every user write (version) and every status change (phase),
 * so a cached copy never hides a transition. `If-Match` compares only the version part: a
 * scheduled transition alone does not make a client's edit stale.
 */
export const etagOf = (e: EventRecord, c: RegistrationCounts): string =>
  // Counts join the tag once there are any, so a 304 never hides a registration (tags of events
  // without registrations stay as they were).
  c.registered || c.waitlisted || c.checkedIn
    ? `"${e.version}-${e.phase}-${c.registered}.${c.waitlisted}.${c.checkedIn}"`
    : `"${e.version}-${e.phase}"`;

/** The version an `If-Match` value names, or null when it names none we issued. */
export function versionFromEtag(value: string): number | null {
  const m = /^(?:W\/)?"(\d+)-[a-z_]+(?:-\d+\.\d+\.\d+)?"$/.exec(value.trim());
  return m ? Number(m[1]) : null;
}
