/** Rows of the mail outbox (SPEC §14) as the server handles them: a leaf module, types only. */
import type { MailKind, MailStatus } from '@kairos/core';

export interface OutboxRecord {
  id: string;
  eventId: string;
  registrationId: string;
  kind: MailKind;
  /** '' for kinds that happen once per registration; the event's start instant for a reminder. */
  causeKey: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  status: MailStatus;
  attempts: number;
  nextAttemptAt: number | null;
  claimedUntil: number | null;
  sentAt: number | null;
  lastError: string | null;
  createdAt: number;
}
