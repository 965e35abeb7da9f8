/**
 * The store for a `KAIROS_DB` value: a `postgres://` URL is cluster mode (with graphile-worker
 * as the triggers' job queue), anything else a SQLite file.
 */
import { graphileJobs } from '../scheduler/cluster/trigger-jobs.ts';
import { openPostgres } from './postgres.ts';
import { openSqlite } from './sqlite.ts';
import type { Store } from './store.ts';

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

export function openStore(url: string): Store {
  return isPostgresUrl(url) ? openPostgres(url, graphileJobs(url)) : openSqlite(url);
}
