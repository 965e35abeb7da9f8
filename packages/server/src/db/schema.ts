/**
 * Table types as the application sees them (camelCase; the CamelCasePlugin maps to snake_case
 * columns). Instants are integer epoch milliseconds in both dialects. Migrations never import
 * this file: they are frozen in time, these types follow today's code.
 */
import type { Generated } from 'kysely';

export interface EventsTable {
  id: string;
  title: string;
  description: string | null;
  venue: string | null;
  timezone: string;
  capacity: number | null;
  registrationOpensAt: number | null;
  registrationClosesAt: number | null;
  startsAt: number;
  endsAt: number;
  certificatesOpenAt: number | null;
  certificatesCloseAt: number | null;
  /** Null: no reminder. Added by 0005_mail with a default of 1440 for earlier rows. */
  reminderMinutesBefore: number | null;
  status: string;
  phase: string;
  version: number;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

/** One row per pending boundary of an approved, non-cancelled event (invariant I1). */
export interface TriggersTable {
  eventId: string;
  trigger: string;
  dueAt: number;
}

export interface HistoryTable {
  seq: Generated<number>;
  eventId: string;
  /** The event's owner when the entry was written: who besides admins may see it. */
  ownerId: string;
  at: number;
  cause: string;
  actor: string | null;
  fromStatus: string | null;
  fromPhase: string | null;
  toStatus: string;
  toPhase: string;
  trigger: string | null;
  dueAt: number | null;
  lateMs: number | null;
  reason: string | null;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  role: string;
  passwordHash: string;
  createdAt: number;
}

export interface SessionsTable {
  /** HMAC of the bearer token with the server secret: a stolen database yields no usable token. */
  tokenHash: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
}

export interface SettingsTable {
  key: string;
  value: string;
}

/** Attendees of an event (SPEC §11). `position` is the waitlist position, null unless waitlisted. */
export interface RegistrationsTable {
  id: string;
  eventId: string;
  name: string;
  /** Trimmed, lower-cased. */
  email: string;
  status: string;
  position: number | null;
  /** SHA-256 (hex) of the attendee token: the database never holds a usable token. */
  tokenHash: string;
  checkedInAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** Webhook endpoints (SPEC §12). `types` is a JSON array; `active` 1 or 0. */
export interface WebhooksTable {
  id: string;
  url: string;
  types: string;
  description: string | null;
  secret: string;
  active: number;
  createdAt: number;
  updatedAt: number;
}

/** One delivery of one change to one endpoint: an outbox row (src/outbox/runner.ts). */
export interface WebhookDeliveriesTable {
  ord: Generated<number>;
  id: string;
  webhookId: string;
  type: string;
  seq: number | null;
  /** The order attempts to one endpoint start in, with `ord` (migration 0007). */
  position: number;
  body: string;
  status: string;
  attempts: Generated<number>;
  nextAttemptAt: number | null;
  claimedUntil: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  lastAttemptAt: number | null;
  createdAt: number;
}

/** Attendee e-mail (SPEC §14), written in the transaction of its cause; the sender drains it. */
export interface MailOutboxTable {
  id: string;
  eventId: string;
  registrationId: string;
  kind: string;
  /** Once per (registrationId, kind, causeKey): the unique key that makes a mail exactly once. */
  causeKey: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  status: string;
  attempts: Generated<number>;
  /** Null once the mail is no longer pending (outbox runner convention, src/outbox/runner.ts). */
  nextAttemptAt: number | null;
  /** An attempt is in flight until then (the runner's lease). */
  claimedUntil: number | null;
  sentAt: number | null;
  lastError: string | null;
  createdAt: number;
}

export interface Database {
  events: EventsTable;
  triggers: TriggersTable;
  history: HistoryTable;
  users: UsersTable;
  sessions: SessionsTable;
  settings: SettingsTable;
  registrations: RegistrationsTable;
  webhooks: WebhooksTable;
  webhookDeliveries: WebhookDeliveriesTable;
  mailOutbox: MailOutboxTable;
}
