/** Registrations (SPEC §11) as the server handles them: a leaf module, types only. */
import type { RegistrationCounts, RegistrationLiveType, RegistrationStatus } from '@kairos/core';

export interface RegistrationRecord {
  id: string;
  eventId: string;
  name: string;
  email: string;
  status: RegistrationStatus;
  position: number | null;
  tokenHash: string;
  checkedInAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** One change for the stream: the registration as it now reads, and its event's counts after the change. */
export interface RegistrationChange {
  type: RegistrationLiveType;
  at: number;
  /** The event's owner: who besides admins may hear of it. */
  ownerId: string;
  registration: RegistrationRecord;
  counts: RegistrationCounts;
}
