import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as m0001 from './migrations/0001_init.ts';
import * as m0002 from './migrations/0002_registrations.ts';
import * as m0003 from './migrations/0003_list_indexes.ts';
import * as m0004 from './migrations/0004_webhooks.ts';
import * as m0005 from './migrations/0005_mail.ts';
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
      };
    },
  };
}

export interface MigrationReport {
  applied: string[];
}

/** Apply every pending migration; throws with the failing migration's name. */
export async function migrate(store: Store): Promise<MigrationReport> {
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
