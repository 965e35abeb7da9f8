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
