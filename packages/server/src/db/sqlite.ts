/**
 * Embedded mode's store: one SQLite file in WAL mode. See `store.ts` for the port it fills.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CamelCasePlugin, Kysely, type SqliteDatabase, SqliteDialect } from 'kysely';
import { watchExternalCommits } from './external-commits.ts';
import type { Database } from './schema.ts';
import { type CommitListener, type Consequence, notify, ping, type Store, subscribeTo } from './store.ts';
import { NO_JOBS } from './unit-of-work.ts';
import { WriteQueue } from './write-queue.ts';

/**
 * SQLite in WAL mode with `synchronous = FULL`: every commit is fsynced before the answer goes
 * out, so a 2xx survives `kill -9` and power loss alike (I4). `busy_timeout` lets the CLI's
 * `doctor` share the file with a running server.
 *
 * Two connections: the writer runs the group-committed write queue (write-queue.ts); `db` reads
 * on its own connection, which WAL lets see the last commit beside an open write transaction, so
 * a read never queues behind a write. (`:memory:` is one database per connection: one it is.)
 */
export function openSqlite(file: string): Store {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const writer = connect(file);
  const reader = file === ':memory:' ? writer : connect(file);
  const kysely = (database: SqliteDatabase) =>
    new Kysely<Database>({ dialect: new SqliteDialect({ database }), plugins: [new CamelCasePlugin()] });
  const wdb = kysely(cachingStatements(writer));
  const db = reader === writer ? wdb : kysely(cachingStatements(reader));
  const listeners = new Set<CommitListener>();
  const consequences = new Set<Consequence>();
  const queue = new WriteQueue(
    wdb,
    () => writer.inTransaction,
    (effects) => {
      for (const listener of listeners) notify(listener, effects);
    },
    consequences,
  );
  // data_version on the writer changes only when another connection (another process, or our
  // reader, which never writes) committed.
  const external = watchExternalCommits(file, () => writer.pragma('data_version', { simple: true }) as number);

  return {
    dialect: 'sqlite',
    db,
    jobs: NO_JOBS,
    write: (fn) => queue.write(fn),
    ordered: true,
    settled: async () => Number.POSITIVE_INFINITY,
    settledSoFar: async () => Number.POSITIVE_INFINITY,
    onCommit: (listener) => subscribeTo(listeners, listener),
    addConsequence: (consequence) => subscribeTo(consequences, consequence),
    onExternalCommit: external.subscribe,
    stats: () => ({ ...queue.stats }),
    ping: () => ping(db),
    async close() {
      await queue.flushed();
      listeners.clear();
      external.close();
      if (db !== wdb) await db.destroy();
      await wdb.destroy();
    },
  };
}

function connect(file: string): SQLite.Database {
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return database;
}

/**
 * Kysely's SQLite driver prepares every statement anew; the same few dozen SQL texts repeat on
 * every request, so keep their prepared statements (one connection runs one query at a time).
 */
const STATEMENT_CACHE = 256;

function cachingStatements(database: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(text) {
      let statement = cache.get(text);
      if (statement) return statement;
      statement = database.prepare(text);
      if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value as string);
      cache.set(text, statement);
      return statement;
    },
  };
}
