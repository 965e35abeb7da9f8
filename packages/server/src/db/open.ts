/** The store for a `KAIROS_DB` value: a `postgres://` URL is cluster mode, anything else a SQLite file. */
import { openSqlite, type Store } from './database.ts';
import { openPostgres } from './postgres.ts';

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

export function openStore(url: string): Store {
  return isPostgresUrl(url) ? openPostgres(url) : openSqlite(url);
}
