/**
 * The event and trigger records as the server handles them: a leaf module (types only, nothing
 * of the server imported), so repositories, the unit of work and the views can all name them
 * without importing each other.
 */
import type { EventFields, Phase, ScheduleKind, Status } from '@kairos/core';

export interface EventRecord extends EventFields {
  id: string;
  status: Status;
  phase: Phase;
  version: number;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

/** One pending boundary of an approved, non-cancelled event (invariant I1), or its attendee reminder (SPEC §14). */
export interface TriggerRow {
  eventId: string;
  trigger: ScheduleKind;
  dueAt: number;
}

/** Every column of `events`, once each (a record of every key, so a column added to the record must be added here). */
const COLUMNS: Record<keyof EventRecord, true> = {
  id: true,
  title: true,
  description: true,
  venue: true,
  timezone: true,
  capacity: true,
  registrationOpensAt: true,
  registrationClosesAt: true,
  startsAt: true,
  endsAt: true,
  certificatesOpenAt: true,
  certificatesCloseAt: true,
  reminderMinutesBefore: true,
  status: true,
  phase: true,
  version: true,
  createdBy: true,
  createdAt: true,
  updatedAt: true,
};

/** The event's columns in one fixed order: the prepared statements that write them bind each by name. */
export const EVENT_COLUMNS = Object.keys(COLUMNS) as ReadonlyArray<keyof EventRecord>;
