// Frozen: describes the schema as of this migration; never import application types here.
import { type Kysely, sql } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

/**
 * Webhook endpoints and their deliveries (SPEC §12). `webhook_deliveries` is an outbox table for
 * the runner (src/outbox/runner.ts): `status`, `attempts`, `next_attempt_at`, `claimed_until`,
 * `last_error`. `ord` numbers deliveries in insertion order — under the store's write
 * serialisation that is commit order, and within a commit the order of its history entries — so
 * attempts to one endpoint start in `seq` order (registration changes, which have no `seq`,
 * take their place in the same sequence).
 */
export function up(dialect: Dialect) {
  const instant = dialect === 'postgres' ? 'bigint' : 'integer';
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema
      .createTable('webhooks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('url', 'text', (c) => c.notNull())
      // JSON array of the types it receives.
      .addColumn('types', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      // The signing key (`whsec_…`). Kept as is: signing needs it; it never leaves in an answer but the first.
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull())
      .addColumn('created_at', instant, (c) => c.notNull())
      .addColumn('updated_at', instant, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('webhook_deliveries')
      // SQLite: `integer primary key` is the rowid, assigned ascending; PostgreSQL: a bigserial.
      .addColumn('ord', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => c.primaryKey())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      // Deliveries go with their endpoint.
      .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('seq', instant)
      // The exact request body, fixed at creation: every attempt sends the same bytes.
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', instant)
      .addColumn('claimed_until', instant)
      .addColumn('last_status_code', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('last_attempt_at', instant)
      .addColumn('created_at', instant, (c) => c.notNull())
      .execute();
    // The runner's claim: due pending rows; and whether an endpoint has an attempt in flight.
    await db.schema
      .createIndex('webhook_deliveries_due')
      .on('webhook_deliveries')
      .columns(['status', 'next_attempt_at'])
      .execute();
    await db.schema
      .createIndex('webhook_deliveries_webhook')
      .on('webhook_deliveries')
      .columns(['webhook_id', 'claimed_until'])
      .execute();
    // An endpoint's next pending delivery in order (the runner claims it as the previous one settles).
    await db.schema
      .createIndex('webhook_deliveries_pending')
      .on('webhook_deliveries')
      .columns(['webhook_id', 'ord'])
      .where(sql<boolean>`status = 'pending'`)
      .execute();
    // The delivery log of one endpoint, newest first.
    await db.schema.createIndex('webhook_deliveries_log').on('webhook_deliveries').columns(['webhook_id', 'ord']).execute();
  };
}
