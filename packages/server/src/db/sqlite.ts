/**
 * Embedded mode's store: one SQLite file in WAL mode. See `store.ts` for the port it fills.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CamelCasePlugin, Kysely, SqliteDialect, sql } from 'kysely';
import type { Database } from './schema.ts';
import { type CommitListener, notify, ping, type Store, subscribeTo } from './store.ts';
import { NO_JOBS, newEffects } from './unit-of-work.ts';

/**
 * SQLite in WAL mode with `synchronous = FULL`: every commit is fsynced before the answer goes
 * out, so a 2xx survives `kill -9` and power loss alike (I4). `busy_timeout` lets the CLI's
 * `doctor` share the file with a running server.
 */
export function openSqlite(file: string): Store {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }), plugins: [new CamelCasePlugin()] });
  const listeners = new Set<CommitListener>();
  const external = watchExternalCommits(file, () => database.pragma('data_version', { simple: true }) as number);

  return {
    dialect: 'sqlite',
    db,
    jobs: NO_JOBS,
    async write(fn) {
      const effects = newEffects();
      // BEGIN IMMEDIATE takes the write lock up front: a read-then-write transaction can then
      // never fail half-way on a lock upgrade while another process (doctor) writes.
      const result = await db.connection().execute(async (conn) => {
        await sql`begin immediate`.execute(conn);
        try {
          const value = await fn({ db: conn, effects, jobs: NO_JOBS });
          await sql`commit`.execute(conn);
          // Still holding the connection: listeners hear commits in commit order.
          for (const listener of listeners) notify(listener, effects);
          return value;
        } catch (error) {
          await sql`rollback`.execute(conn);
          throw error;
        }
      });
      return result;
    },
    onCommit: (listener) => subscribeTo(listeners, listener),
    onExternalCommit: external.subscribe,
    ping: () => ping(db),
    async close() {
      listeners.clear();
      external.close();
      await db.destroy();
    },
  };
}

/**
 * inotify (fs.watch) on the database's folder: every commit of any process writes the WAL file.
 * A commit becomes visible only after the writer's fsync and its update of the shared-memory
 * index, which raises no file event; so each burst of events is followed by a few reads of
 * `data_version` (it changes only when another connection committed), the last one a second
 * after the burst. Bounded work per burst, nothing at all while nobody writes.
 */
const RECHECK_MS = [20, 250, 1000];

function watchExternalCommits(file: string, dataVersion: () => number) {
  const subscribers = new Set<() => void>();
  let watcher: fs.FSWatcher | null = null;
  let timers: NodeJS.Timeout[] = [];
  let last = 0;
  const names = new Set([path.basename(file), `${path.basename(file)}-wal`]);
  const check = () => {
    let version: number;
    try {
      version = dataVersion();
    } catch {
      return; // closed meanwhile
    }
    if (version === last) return;
    last = version;
    for (const s of subscribers) s();
  };
  const clear = () => {
    for (const t of timers) clearTimeout(t);
    timers = [];
  };
  return {
    subscribe(listener: () => void): () => void {
      if (file === ':memory:') return () => {};
      if (!watcher) {
        last = dataVersion();
        watcher = fs.watch(path.dirname(path.resolve(file)), (_event, name) => {
          if (name && !names.has(String(name))) return;
          clear();
          timers = RECHECK_MS.map((ms) => {
            const t = setTimeout(check, ms);
            t.unref();
            return t;
          });
        });
        watcher.unref();
      }
      subscribers.add(listener);
      return () => subscribers.delete(listener);
    },
    close() {
      subscribers.clear();
      clear();
      watcher?.close();
      watcher = null;
    },
  };
}
