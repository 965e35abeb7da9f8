// Frozen: describes the schema as of this migration; never import application types here.
import { type Kysely, sql } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

/**
 * A generation for the `webhooks` table (PostgreSQL): the setting `webhooks.generation`, made one
 * larger by a statement trigger after every insert, update, delete or truncate of the table, in
 * the changing transaction. Each cluster write reads it with its BEGIN and keeps the active
 * endpoints it read while the generation stays the same: one round trip fewer per write.
 *
 * A trigger rather than the application's own update, so that no writer can change the table
 * without it: not a future code path, not SQL typed by an operator, not an instance of the
 * previous version during a rolling upgrade (it runs no such update, and its changes still
 * count). SQLite has one process writing and reads the table in microseconds: nothing there.
 */
export function up(dialect: Dialect) {
  return async (db: Kysely<unknown>): Promise<void> => {
    if (dialect !== 'postgres') return;
    await sql`insert into settings (key, value) values ('webhooks.generation', '0') on conflict (key) do nothing`.execute(db);
    await sql`create or replace function kairos_webhooks_changed() returns trigger language plpgsql as $$
      begin
        insert into settings (key, value) values ('webhooks.generation', '1')
          on conflict (key) do update set value = (settings.value::bigint + 1)::text;
        return null;
      end $$`.execute(db);
    await sql`create trigger webhooks_generation after insert or update or delete or truncate on webhooks
      for each statement execute function kairos_webhooks_changed()`.execute(db);
  };
}
