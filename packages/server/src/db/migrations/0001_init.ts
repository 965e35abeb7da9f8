// Frozen: describes the schema as of this migration; never import application types here.
import { type Kysely, sql } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export function up(dialect: Dialect) {
  const instant = dialect === 'postgres' ? 'bigint' : 'integer';
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', instant, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('sessions')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', instant, (c) => c.notNull())
      .addColumn('expires_at', instant, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('venue', 'text')
      .addColumn('timezone', 'text', (c) => c.notNull())
      .addColumn('capacity', 'integer')
      .addColumn('registration_opens_at', instant)
      .addColumn('registration_closes_at', instant)
      .addColumn('starts_at', instant, (c) => c.notNull())
      .addColumn('ends_at', instant, (c) => c.notNull())
      .addColumn('certificates_open_at', instant)
      .addColumn('certificates_close_at', instant)
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('phase', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', instant, (c) => c.notNull())
      .addColumn('updated_at', instant, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('events_starts_at_id').on('events').columns(['starts_at', 'id']).execute();
    await db.schema.createIndex('events_status').on('events').column('status').execute();

    await db.schema
      .createTable('triggers')
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id').onDelete('cascade'))
      .addColumn('trigger', 'text', (c) => c.notNull())
      .addColumn('due_at', instant, (c) => c.notNull())
      .addPrimaryKeyConstraint('triggers_pk', ['event_id', 'trigger'])
      .execute();
    await db.schema.createIndex('triggers_due_at').on('triggers').columns(['due_at', 'event_id']).execute();

    await db.schema
      .createTable('history')
      .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
        dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('at', instant, (c) => c.notNull())
      .addColumn('cause', 'text', (c) => c.notNull())
      .addColumn('actor', 'text')
      .addColumn('from_status', 'text')
      .addColumn('from_phase', 'text')
      .addColumn('to_status', 'text', (c) => c.notNull())
      .addColumn('to_phase', 'text', (c) => c.notNull())
      .addColumn('trigger', 'text')
      .addColumn('due_at', instant)
      .addColumn('late_ms', 'integer')
      .addColumn('reason', 'text')
      .execute();
    await db.schema.createIndex('history_event_seq').on('history').columns(['event_id', 'seq']).execute();
    // The exactly-once guard of I3 at the storage level: one scheduled firing per boundary instant.
    await db.schema
      .createIndex('history_once_per_boundary')
      .on('history')
      .columns(['event_id', 'due_at', 'to_status', 'to_phase'])
      .unique()
      .where(sql.ref('due_at'), 'is not', null)
      .execute();
  };
}
