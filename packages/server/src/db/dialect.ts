/**
 * Which SQL dialect a Kysely handle (or one of its transactions) speaks, for the few queries
 * whose best form differs: repositories take a `Db`, not the `Store` that knows its dialect.
 */
import { type Kysely, SqliteAdapter } from 'kysely';
import type { Database } from './schema.ts';

export const isSqlite = (db: Kysely<Database>): boolean => db.getExecutor().adapter instanceof SqliteAdapter;
