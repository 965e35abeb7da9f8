import { type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import * as m0001 from './migrations/0001_init.ts';
import * as m0002 from './migrations/0002_registrations.ts';
import * as m0003 from './migrations/0003_list_indexes.ts';
import * as m0004 from './migrations/0004_webhooks.ts';
import * as m0005 from './migrations/0005_mail.ts';
import * as m0006 from './migrations/0006_pg_search.ts';
import * as m0007 from './migrations/0007_delivery_position.ts';
import * as m0008 from './migrations/0008_webhooks_generation.ts';
import type { Store } from './store.ts';

/** Numbered, frozen migrations; each takes the dialect so one file serves SQLite and PostgreSQL. */
function provider(dialect: Store['dialect']): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '0001_init': { up: m0001.up(dialect) },
        '0002_registrations': { up: m0002.up(dialect) },
        '0003_list_indexes': { up: m0003.up(dialect) },
        '0004_webhooks': { up: m0004.up(dialect) },
        '0005_mail': { up: m0005.up(dialect) },
        '0006_pg_search': { up: m0006.up(dialect) },
        '0007_delivery_position': { up: m0007.up(dialect) },
        '0008_webhooks_generation': { up: m0008.up(dialect) },
      };
    },
  };
}

export interface MigrationReport {
  applied: string[];
}

/** Any constant of our own; "kmigr" in ASCII. Not the write lock: migrating must not wait for writes. */
const MIGRATION_LOCK = 0x6b6d69677200;

/**
 * Apply every pending migration; throws with the failing migration's name. Cluster instances
 * started together take turns on a session advisory lock, so one migrates and the others find
 * nothing left to do: without it they raced on `create table if not exists` of Kysely's and
 * graphile-worker's bookkeeping (duplicate-key errors in PostgreSQL's log, though all came up).
 */
export async function migrate(store: Store): Promise<MigrationReport> {
  if (store.dialect !== 'postgres') return migrateNow(store);
  return store.db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK}::bigint)`.execute(conn);
    try {
      return await migrateNow(store);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK}::bigint)`.execute(conn);
    }
  });
}

async function migrateNow(store: Store): Promise<MigrationReport> {
  const migrator = new Migrator({ db: store.db, provider: provider(store.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  // The job queue's schema (graphile-worker's own migrations; nothing on SQLite) must exist
  // before the first event write enqueues a job.
  await store.jobs.install();
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
