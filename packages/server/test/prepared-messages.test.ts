// @dialects postgres
/**
 * The pool's messages (db/prepared.ts): statements prepared by SQL once per connection and then
 * executed; statements held back until the connection's next one. Here on one real connection, so
 * that what the server holds can be taken from under the pool (as an operator's DEALLOCATE ALL
 * or a pooler handing over another session would).
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { held, isPreparedMismatch, MAX_HELD, message, preparedPool } from '../src/db/prepared.ts';
import { freshDatabase } from './support/server.ts';

let pool: pg.Pool;
let db: Kysely<unknown>;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: await freshDatabase({ empty: true }), max: 1 });
  db = new Kysely({ dialect: new PostgresDialect({ pool: preparedPool(pool) }) });
});
afterAll(async () => {
  await db.destroy();
});

const run = async (text: string) => (await sql.raw<Record<string, unknown>>(text).execute(db)).rows;
const prepared = async () =>
  (await sql<{ name: string }>`select name from pg_prepared_statements order by name`.execute(db)).rows.map((r) => r.name);

test('a message prepares its statements once per connection, then executes them', async () => {
  const twice = message([{ sql: 'select $1::int + 1 as n', args: [1] }]);
  expect(await run(twice)).toEqual([{ n: 2 }]);
  expect(await run(message([{ sql: 'select $1::int + 1 as n', args: [41] }]))).toEqual([{ n: 42 }]);
  expect(await prepared()).toEqual([expect.stringMatching(/^kairos_m\d+_\d+$/)]);
});

test('statements dropped from under the pool: the message fails as a mismatch once, and the next one prepares again', async () => {
  await run(message([{ sql: 'select $1::text as s', args: ['a'] }]));
  await sql`deallocate all`.execute(db);
  const failed = await run(message([{ sql: 'select $1::text as s', args: ['b'] }])).catch((e: unknown) => e);
  expect(isPreparedMismatch(failed)).toBe(true);
  expect(await run(message([{ sql: 'select $1::text as s', args: ['c'] }]))).toEqual([{ s: 'c' }]);
});

test('a held statement runs first in the next message, or on its own before a statement that is not one', async () => {
  await sql`create table if not exists seen (n int)`.execute(db);
  const heard: unknown[][] = [];
  // What is held belongs to one checkout of the connection, as a write's statements do.
  await db.connection().execute(async (conn) => {
    const on = async (text: string) => (await sql.raw<Record<string, unknown>>(text).execute(conn)).rows;
    const count = async () => (await sql<{ c: number }>`select count(*)::int as c from seen`.execute(conn)).rows;
    await on(held({ sql: 'insert into seen values ($1) returning n', args: [1] }, (rows) => heard.push(rows)));
    expect(heard).toEqual([]);
    // The next message carries it; its own statement sees the row.
    expect(await on(message([{ sql: 'select count(*)::int as c from seen' }]))).toEqual([{ c: 1 }]);
    expect(heard).toEqual([[{ n: 1 }]]);
    // A statement outside a message sends it first.
    await on(held({ sql: 'insert into seen values ($1) returning n', args: [2] }, (rows) => heard.push(rows)));
    expect(await count()).toEqual([{ c: 2 }]);
    expect(heard).toEqual([[{ n: 1 }], [{ n: 2 }]]);
    // A ROLLBACK drops it.
    await on('begin');
    await on(held({ sql: 'insert into seen values ($1) returning n', args: [3] }, (rows) => heard.push(rows)));
    await on('rollback');
    expect(await count()).toEqual([{ c: 2 }]);
    expect(heard).toHaveLength(2);
  });
});

test(`at most ${MAX_HELD} statements are held: one more sends those first, in one message`, async () => {
  await sql`create table if not exists many (n int)`.execute(db);
  const heard: number[] = [];
  await db.connection().execute(async (conn) => {
    const on = async (text: string) => (await sql.raw<Record<string, unknown>>(text).execute(conn)).rows;
    const hold = (n: number) => on(held({ sql: 'insert into many values ($1)', args: [n] }, () => heard.push(n)));
    await on('begin');
    for (let n = 1; n <= MAX_HELD; n++) await hold(n);
    expect(heard).toEqual([]);
    await hold(MAX_HELD + 1);
    // The first MAX_HELD ran, in order, before the next was held; that one waits for the COMMIT.
    expect(heard).toEqual(Array.from({ length: MAX_HELD }, (_, i) => i + 1));
    await on(message([{ sql: 'commit' }]));
    expect(heard).toHaveLength(MAX_HELD + 1);
  });
  expect((await sql<{ c: number }>`select count(*)::int as c from many`.execute(db)).rows).toEqual([{ c: MAX_HELD + 1 }]);
});
