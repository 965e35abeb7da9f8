// Frozen: describes the schema as of this migration; never import application types here.
import { type Kysely, sql } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export function up(dialect: Dialect) {
  const instant = dialect === 'postgres' ? 'bigint' : 'integer';
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema
      .createTable('registrations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      // Registrations hold personal data: they go with their event when it is deleted.
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      // Trimmed and lower-cased: one spelling per mailbox for the one-per-email rule.
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('position', 'integer')
      // SHA-256 of the attendee token; the token itself is never stored.
      .addColumn('token_hash', 'text', (c) => c.notNull())
      .addColumn('checked_in_at', instant)
      .addColumn('created_at', instant, (c) => c.notNull())
      .addColumn('updated_at', instant, (c) => c.notNull())
      .execute();
    // One active registration per email per event; cancelled and expired ones do not count.
    await db.schema
      .createIndex('registrations_active_email')
      .on('registrations')
      .columns(['event_id', 'email'])
      .unique()
      .where(sql<boolean>`status in ('confirmed', 'waitlisted')`)
      .execute();
    // Counts per event, the waitlist in order, the list in creation order.
    await db.schema
      .createIndex('registrations_event_status')
      .on('registrations')
      .columns(['event_id', 'status', 'position'])
      .execute();
    await db.schema
      .createIndex('registrations_event_created')
      .on('registrations')
      .columns(['event_id', 'created_at', 'id'])
      .execute();
  };
}
