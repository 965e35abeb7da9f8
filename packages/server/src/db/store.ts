/**
 * The Store port: opening the database and running a write with its consequences. Every write
 * goes through `Store.write`: one transaction, and after it commits the store announces what the
 * transaction changed (history entries, trigger changes) to whoever listens — the live hub and
 * the scheduler. Repositories record those effects themselves, so no service can write an event
 * and forget to "also tell the scheduler". `sqlite.ts` and `postgres.ts` implement it.
 */
import { sql } from 'kysely';
import type { Statement } from './prepared.ts';
import type { CommitNotice, Db, Effects, TriggerJobs, Tx } from './unit-of-work.ts';

export type CommitListener = (effects: Effects) => void;

/**
 * Work derived from a write's effects that must commit with it (webhook deliveries, the mail
 * outbox): it runs inside the same transaction, after the write's own work, so a change and the
 * rows that report it are never apart — not even across `kill -9` right after the commit.
 */
export type Consequence = (tx: Tx) => Promise<void>;

/**
 * What else a write must exclude, beyond what its own row locks do. SQLite runs one write at a
 * time anyway; on PostgreSQL writes run concurrently and these take advisory locks:
 * - `all`: no other write runs meanwhile (`kairos doctor --fix` repairs what it just examined);
 * - `outbox`: claims and outcomes of the outbox runners take turns (a claim reads which partitions
 *   are free and marks rows in one go).
 */
export type WriteLock = 'all' | 'outbox';

export interface WriteOptions {
  lock?: WriteLock;
  /**
   * The event this write edits, when it is one: on PostgreSQL its row is locked with the BEGIN,
   * in the same round trip (`Tx.locked`).
   */
  event?: string;
  /**
   * A select for the BEGIN message to run after that lock, in a statement of its own (so it sees
   * everything committed before the lock): the write finds its first row in `Tx.locked` instead
   * of reading it in a round trip of its own. PostgreSQL only.
   */
  read?: Statement | undefined;
  /**
   * The session of the request, taken from the instance's cache instead of read before the write
   * (`AuthService.authenticateForWrite`): the BEGIN message reads whether it still grants `role`
   * to `userId`, and the write fails as unauthenticated, changing nothing, when it does not.
   * PostgreSQL only (SQLite's lookup costs no round trip).
   */
  session?: SessionCheck | undefined;
}

/** A cached session a write checks again in its own transaction (`WriteOptions.session`). */
export interface SessionCheck {
  readonly tokenHash: string;
  readonly userId: string;
  readonly role: string;
  /** The instant the session must still be valid at (it expires after). */
  readonly at: number;
  /** Set once a write's BEGIN found the session still granting `role` to `userId`. */
  verified: boolean;
}

export interface WriteStats {
  writes: number;
  transactions: number;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly db: Db;
  readonly jobs: TriggerJobs;
  /**
   * Run `fn` in one write transaction; listeners hear about its effects once it commits. `fn` may
   * run more than once (PostgreSQL retries a transaction it aborted to break a deadlock), so it
   * only touches the database and its `tx`.
   */
  write<T>(fn: (tx: Tx) => Promise<T>, options?: WriteOptions): Promise<T>;
  /**
   * True when commits are announced in `seq` order with no gap (one writer: SQLite). False when
   * writes overlap (PostgreSQL): then `settled` tells how far the history may be read.
   */
  readonly ordered: boolean;
  /**
   * The highest value of the named sequence (`history_seq_seq`, `webhook_deliveries_ord_seq`)
   * below which every value taken is final: its row committed or never will. Readers that publish
   * in sequence order read up to it and never skip a row that commits later. Infinity when
   * `ordered`.
   */
  settled(sequence: string): Promise<number>;
  /**
   * The same without waiting, in one round trip: a value now known to be settled (this look's, or
   * the previous look's once the transactions it waited on have ended), or null when none is
   * known yet. For readers that only keep a bound fresh and can look again later.
   */
  settledSoFar(sequence: string): Promise<number | null>;
  onCommit(listener: CommitListener): () => void;
  /** Run `consequence` inside every later write transaction, after the write's own work. */
  addConsequence(consequence: Consequence): () => void;
  /**
   * Another process (say `kairos doctor --fix`, or another cluster instance) committed to the
   * database. Listeners catch up from the tables, so a spurious call is harmless.
   */
  onExternalCommit(listener: (notice: CommitNotice | null) => void): () => void;
  /** Writes committed and the transactions they took (group commit shares one among many writes). */
  stats(): WriteStats;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

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

/** Run a write and then its consequences, in the caller's transaction. */
export async function withConsequences<T>(tx: Tx, fn: (tx: Tx) => Promise<T>, consequences: Iterable<Consequence>): Promise<T> {
  const value = await fn(tx);
  for (const consequence of consequences) await consequence(tx);
  return value;
}

/** A listener's failure must never turn a committed write into an error answer. */
export function notify(listener: CommitListener, effects: Effects): void {
  try {
    listener(effects);
  } catch (error) {
    process.emitWarning(`commit listener failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
