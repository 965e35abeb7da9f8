// Frozen: describes the schema as of this migration; never import application types here.
import type { Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export function up(dialect: Dialect) {
  const instant = dialect === 'postgres' ? 'bigint' : 'integer';
  return async (db: Kysely<unknown>): Promise<void> => {
    // Existing events get the SPEC's default (a day before the start); null means no reminder.
    await db.schema
      .alterTable('events')
      .addColumn('reminder_minutes_before', 'integer', (c) => c.defaultTo(1440))
      .execute();
    await db.schema
      .createTable('mail_outbox')
      .addColumn('id', 'text', (c) => c.primaryKey())
      // No foreign keys: the outbox outlives a deleted event or registration (it is a log of what was sent).
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('registration_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      // What makes this mail once per attendee and cause: '' for kinds that happen once per
      // registration, the event's start instant for a reminder (a moved start earns a new one).
      .addColumn('cause_key', 'text', (c) => c.notNull())
      .addColumn('to', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('html', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      // The outbox runner's columns (src/outbox/runner.ts): null once the mail is no longer pending;
      // an attempt in flight holds its row until claimed_until.
      .addColumn('next_attempt_at', instant)
      .addColumn('claimed_until', instant)
      .addColumn('sent_at', instant)
      .addColumn('last_error', 'text')
      .addColumn('created_at', instant, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('mail_outbox_once')
      .on('mail_outbox')
      .columns(['registration_id', 'kind', 'cause_key'])
      .unique()
      .execute();
    // The runner's claim (due pending rows) and its lease check.
    await db.schema.createIndex('mail_outbox_due').on('mail_outbox').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('mail_outbox_claimed').on('mail_outbox').columns(['id', 'claimed_until']).execute();
    // An event's outbox, newest first.
    await db.schema.createIndex('mail_outbox_event').on('mail_outbox').columns(['event_id', 'created_at', 'id']).execute();
  };
}
