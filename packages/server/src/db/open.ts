/**
 * The store for a `KAIROS_DB` value: a `postgres://` URL is cluster mode (with graphile-worker
 * as the triggers' job queue), anything else a SQLite file.
 */
import { graphileJobs } from '../scheduler/cluster/trigger-jobs.ts';
import { openSqlite } from './sqlite.ts';
import type { Store } from './store.ts';

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

export async function openStore(url: string): Promise<Store> {
  if (!isPostgresUrl(url)) return openSqlite(url);
  // Loaded in cluster mode only: evaluating `pg` cost every SQLite start about 28 ms of CPU (cpu-prof).
  const { openPostgres } = await import('./postgres.ts');
  return openPostgres(url, graphileJobs(url));
}
