/**
 * Opening the database and running a write with its consequences. Every write goes through
 * `Store.write`: one transaction, and after it commits the store announces what the
 * transaction changed (history entries, trigger changes) to whoever listens — the live hub and
 * the scheduler. Repositories record those effects themselves, so no service can write an event
 * and forget to "also tell the scheduler".
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RegistrationCounts } from '@kairos/core';
import SQLite from 'better-sqlite3';
import { CamelCasePlugin, Kysely, SqliteDialect, sql } from 'kysely';
import type { EventRecord } from '../features/events/events.repository.ts';
import type { TriggerRow } from '../features/events/triggers.repository.ts';
import type { HistoryRecord } from '../features/history/history.repository.ts';
import type { RegistrationChange } from '../features/registrations/registrations.repository.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

/** What a committed transaction changed, gathered by the repositories while it ran. */
export interface Effects {
  /** History rows written, each with the event as it read after the write (null when deleted) and its registration counts. */
  entries: Array<{ entry: HistoryRecord; event: EventRecord | null; counts: RegistrationCounts }>;
  /** Some trigger rows were inserted or removed. */
  triggersChanged: boolean;
  /** Registrations created, promoted, cancelled, expired or checked in (not history: SPEC §5 is lifecycle). */
  registrations: RegistrationChange[];
}

/**
 * The dialect hook for the job queue that mirrors the triggers table. Cluster mode keeps one
 * graphile-worker job per trigger row, written in the same transaction; SQLite has no queue
 * (its scheduler reads the table itself), so there the hook does nothing.
 */
export interface TriggerJobs {
  /** Create the queue's own schema (run with the migrations). */
  install(): Promise<void>;
  /** These trigger rows were just inserted (or moved): enqueue or re-time their jobs. */
  scheduled(db: Db, rows: readonly TriggerRow[]): Promise<void>;
  /** These trigger rows of one event were just removed: drop their jobs. */
  removed(db: Db, eventId: string, triggers: readonly string[]): Promise<void>;
}

export const NO_JOBS: TriggerJobs = {
  install: async () => {},
  scheduled: async () => {},
  removed: async () => {},
};

export interface Tx {
  db: Db;
  effects: Effects;
  jobs: TriggerJobs;
}

export type CommitListener = (effects: Effects) => void;

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly db: Db;
  readonly jobs: TriggerJobs;
  /** Run `fn` in one write transaction; listeners hear about its effects once it commits, in commit order. */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  onCommit(listener: CommitListener): () => void;
  /**
   * Another process (say `kairos doctor --fix`) committed to the database. Event-driven: the
   * file system tells us the database changed; `data_version` tells us it was not us.
   */
  onExternalCommit(listener: () => void): () => void;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export const newEffects = (): Effects => ({ entries: [], triggersChanged: false, registrations: [] });

/** Add a listener; the returned function removes it. */
export function subscribeTo<T>(set: Set<T>, listener: T): () => void {
  set.add(listener);
  return () => set.delete(listener);
}

/** True when the database answers a trivial query. */
export async function ping(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

/** A listener's failure must never turn a committed write into an error answer. */
export function notify(listener: CommitListener, effects: Effects): void {
  try {
    listener(effects);
  } catch (error) {
    process.emitWarning(`commit listener failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

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
