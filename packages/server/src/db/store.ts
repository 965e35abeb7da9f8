/**
 * The Store port: opening the database and running a write with its consequences. Every write
 * goes through `Store.write`: one transaction, and after it commits the store announces what the
 * transaction changed (history entries, trigger changes) to whoever listens — the live hub and
 * the scheduler. Repositories record those effects themselves, so no service can write an event
 * and forget to "also tell the scheduler". `sqlite.ts` and `postgres.ts` implement it.
 */
import { sql } from 'kysely';
import type { Db, Effects, TriggerJobs, Tx } from './unit-of-work.ts';

export type CommitListener = (effects: Effects) => void;

/**
 * Work derived from a write's effects that must commit with it (webhook deliveries, the mail
 * outbox): it runs inside the same transaction, after the write's own work, so a change and the
 * rows that report it are never apart — not even across `kill -9` right after the commit.
 */
export type Consequence = (tx: Tx) => Promise<void>;

export interface WriteStats {
  writes: number;
  transactions: number;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly db: Db;
  readonly jobs: TriggerJobs;
  /** Run `fn` in one write transaction; listeners hear about its effects once it commits, in commit order. */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  onCommit(listener: CommitListener): () => void;
  /** Run `consequence` inside every later write transaction, after the write's own work. */
  addConsequence(consequence: Consequence): () => void;
  /**
   * Another process (say `kairos doctor --fix`, or another cluster instance) committed to the
   * database. Listeners catch up from the tables, so a spurious call is harmless.
   */
  onExternalCommit(listener: () => void): () => void;
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
