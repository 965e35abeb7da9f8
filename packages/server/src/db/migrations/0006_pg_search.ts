// Frozen: describes the schema as of this migration; never import application types here.
import { type Kysely, sql } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

/**
 * `q` on PostgreSQL (issue 9): trigram GIN indexes (`pg_trgm`, shipped with PostgreSQL and
 * trusted, so the database's owner may create it) on exactly the expressions the list tests,
 * `lower(title|venue|description) like '%q%'`. The planner serves a rare string with a BitmapOr
 * of the three and keeps the ordered walk for a common one; the predicate is unchanged, so the
 * rows are the same as before and as on SQLite (list-reference.test.ts compares both with one
 * reference). SQLite has its FTS5 trigram index since 0003: nothing to do there.
 *
 * Rolling upgrades: this only adds indexes, which old instances neither need nor notice. On a
 * large table, build them ahead with `create index concurrently` under the same names; the
 * `if not exists` then makes this migration a no-op.
 */
export function up(dialect: Dialect) {
  return async (db: Kysely<unknown>): Promise<void> => {
    if (dialect !== 'postgres') return;
    await sql`create extension if not exists pg_trgm`.execute(db);
    for (const column of ['title', 'venue', 'description']) {
      await sql`create index if not exists ${sql.id(`events_${column}_trgm`)}
        on events using gin (lower(${sql.ref(column)}) gin_trgm_ops)`.execute(db);
    }
    await sql`analyze events`.execute(db);
  };
}
