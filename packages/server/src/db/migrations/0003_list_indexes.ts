// Frozen: describes the schema as of this migration; never import application types here.
import { type Kysely, sql } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

/**
 * Indexes behind every filter of `GET /events` (issue 8), full-text search of `q` on SQLite, and
 * a maintained count of pending triggers on SQLite.
 *
 * - `events_status_phase_start`: each (status, phase) pair in `starts_at, id` order; the list walks
 *   one such range per pair and merges them. `ends_at` rides along so the `from` test needs no
 *   table read.
 * - `events_owner_status_start`: an organizer's own drafts, pending and declined events.
 * - `events_duration`: the longest event, so `from` can bound `starts_at` from below.
 * - `events_fts` (SQLite): FTS5 trigram index over title, venue and description, an external-content
 *   table kept equal to `events` by SQL triggers, so every writer (including a bulk seed writing
 *   straight into `events`) keeps it right. It keys on the implicit rowid of `events`, which only
 *   VACUUM could renumber: Kairos never runs VACUUM; after a manual one run
 *   `insert into events_fts(events_fts) values('rebuild')`.
 * - `trigger_count` (SQLite): one row kept by triggers on `triggers`, so reading the number of
 *   pending triggers costs one row, not a scan. Not on PostgreSQL: a hot counter row would
 *   serialise concurrent writers of different instances.
 */
export function up(dialect: Dialect) {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema.dropIndex('events_status').execute();
    await db.schema
      .createIndex('events_status_phase_start')
      .on('events')
      .columns(['status', 'phase', 'starts_at', 'id', 'ends_at'])
      .execute();
    await db.schema
      .createIndex('events_owner_status_start')
      .on('events')
      .columns(['created_by', 'status', 'starts_at', 'id', 'ends_at'])
      .execute();
    await sql`create index events_duration on events ((ends_at - starts_at))`.execute(db);
    if (dialect === 'sqlite') {
      await sqliteSearch(db);
      await sqliteTriggerCount(db);
      // Statistics for the planner; the limit keeps this to a fraction of a second at 1M rows.
      await sql`pragma analysis_limit = 1000`.execute(db);
    }
    await sql`analyze`.execute(db);
  };
}

async function sqliteSearch(db: Kysely<unknown>): Promise<void> {
  await sql`create virtual table events_fts using fts5(
    title, venue, description, content = 'events', content_rowid = 'rowid', tokenize = 'trigram')`.execute(db);
  // Document counts per trigram: the list estimates how many rows a `q` matches from these.
  await sql`create virtual table events_fts_vocab using fts5vocab(events_fts, row)`.execute(db);
  await sql`create trigger events_fts_insert after insert on events begin
    insert into events_fts(rowid, title, venue, description) values (new.rowid, new.title, new.venue, new.description);
  end`.execute(db);
  await sql`create trigger events_fts_delete after delete on events begin
    insert into events_fts(events_fts, rowid, title, venue, description)
      values ('delete', old.rowid, old.title, old.venue, old.description);
  end`.execute(db);
  // Status changes (every firing) leave the index alone: only a change of the indexed text counts.
  await sql`create trigger events_fts_update after update of title, venue, description on events
    when old.title is not new.title or old.venue is not new.venue or old.description is not new.description
  begin
    insert into events_fts(events_fts, rowid, title, venue, description)
      values ('delete', old.rowid, old.title, old.venue, old.description);
    insert into events_fts(rowid, title, venue, description) values (new.rowid, new.title, new.venue, new.description);
  end`.execute(db);
  await sql`insert into events_fts(events_fts) values ('rebuild')`.execute(db);
}

async function sqliteTriggerCount(db: Kysely<unknown>): Promise<void> {
  await sql`create table trigger_count (id integer primary key check (id = 1), n integer not null)`.execute(db);
  await sql`insert into trigger_count (id, n) select 1, count(*) from triggers`.execute(db);
  await sql`create trigger trigger_count_insert after insert on triggers begin
    update trigger_count set n = n + 1 where id = 1;
  end`.execute(db);
  await sql`create trigger trigger_count_delete after delete on triggers begin
    update trigger_count set n = n - 1 where id = 1;
  end`.execute(db);
}
