// Frozen: describes the schema as of this migration; never import application types here.
import { type Kysely, sql } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

/**
 * Webhook deliveries get a `position`: the `seq` of the history entry they report, or for a
 * registration change the newest `seq` its write could see. Attempts to one endpoint start in
 * (`position`, `ord`) order. Cluster writes now run concurrently (decision 4), so `ord` — taken
 * when the delivery row is inserted, at the end of its write — no longer follows `seq`, which is
 * taken earlier in the write; SPEC §12 promises `seq` order.
 *
 * Rolling upgrades: the column has a default, so an old instance's inserts still succeed (their
 * deliveries sort first among the pending ones, by `ord`). Existing rows take their `seq`.
 */
export function up(dialect: Dialect) {
  const instant = dialect === 'postgres' ? 'bigint' : 'integer';
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema
      .alterTable('webhook_deliveries')
      .addColumn('position', instant, (c) => c.notNull().defaultTo(0))
      .execute();
    await sql`update webhook_deliveries set position = coalesce(seq, 0)`.execute(db);
    // An endpoint's next pending delivery in the new order (the runner claims it as the previous one settles).
    await db.schema.dropIndex('webhook_deliveries_pending').execute();
    await db.schema
      .createIndex('webhook_deliveries_pending')
      .on('webhook_deliveries')
      .columns(['webhook_id', 'position', 'ord'])
      .where(sql<boolean>`status = 'pending'`)
      .execute();
  };
}
