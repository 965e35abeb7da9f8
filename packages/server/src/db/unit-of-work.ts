/**
 * The unit of work: what a write transaction hands to the repositories (`Tx`) and what they
 * record in it (`Effects`), for the store to announce after commit. Repositories import this
 * module and the record leaves, never each other's internals, and never the store.
 */
import type { RegistrationCounts } from '@kairos/core';
import type { Kysely } from 'kysely';
import type { EventRecord, TriggerRow } from '../features/events/event.record.ts';
import type { HistoryRecord } from '../features/history/history.record.ts';
import type { RegistrationChange } from '../features/registrations/registration.record.ts';
import type { Statement } from './prepared.ts';
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
  /** Reminder triggers fired (SPEC §14): no history, no status change; the mail outbox hears of them here. */
  reminders: Array<{ eventId: string; dueAt: number }>;
  /** The earliest `dueAt` of the trigger rows inserted (null: none): a timer armed earlier need not look. */
  earliestTrigger: number | null;
  /** Outbox channels this write gave work to (by name): their runners elsewhere wake for it. */
  outboxes: Set<string>;
}

export const newEffects = (): Effects => ({
  entries: [],
  triggersChanged: false,
  registrations: [],
  reminders: [],
  earliestTrigger: null,
  outboxes: new Set(),
});

/** Trigger rows due at these instants were inserted. */
export function triggersInserted(effects: Effects, dueAts: readonly number[]): void {
  effects.triggersChanged = true;
  for (const at of dueAts) if (effects.earliestTrigger === null || at < effects.earliestTrigger) effects.earliestTrigger = at;
}

/**
 * What another process's commit changed, as far as a listener needs to know; `null` when
 * unknown (a reconnect that may have missed commits, another process on a SQLite file): then
 * every listener looks.
 */
export interface CommitNotice {
  /** History entries were written. */
  history: boolean;
  /** The earliest `dueAt` of trigger rows inserted, or null. */
  earliestTrigger: number | null;
  outboxes: ReadonlySet<string>;
}

/**
 * The dialect hook for the job queue that mirrors the triggers table. Cluster mode keeps a
 * graphile-worker job per trigger row due soon, written in the same transaction; SQLite has no
 * queue (its scheduler reads the table itself), so there the hook does nothing.
 */
export interface TriggerJobs {
  /** Create the queue's own schema (run with the migrations). */
  install(): Promise<void>;
  /** These trigger rows were just inserted (or moved): enqueue or re-time the jobs they need. */
  scheduled(db: Db, rows: readonly TriggerRow[]): Promise<void>;
  /** These trigger rows (as they were) were just removed: drop their jobs (one statement for all). */
  removed(db: Db, rows: readonly TriggerRow[]): Promise<void>;
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
  /**
   * Writes overlap (PostgreSQL): a write that reads a row to decide what to change locks it
   * (`FOR UPDATE`), and a firing claims events with `SKIP LOCKED`. False on SQLite, whose single
   * writer excludes the others already (and whose SQL has no row locks).
   */
  rowLocks: boolean;
  /**
   * Each event's reminder trigger row (SPEC §14) as this transaction last read or wrote it: its
   * `dueAt`, or null for none. An edit's trigger sync reads all of the event's rows, so the
   * reminder consequence after it needs no read of its own (one statement fewer per edit).
   * Absent: not known here, read it.
   */
  reminders: Map<string, number | null>;
  /**
   * An event's trigger rows as `findEventToEdit` read them with the event (PostgreSQL), kept for
   * the trigger sync of the edit that follows; any other change of its triggers forgets them.
   */
  triggers: Map<string, ReadonlyArray<{ trigger: string; dueAt: number }>>;
  /**
   * The webhook endpoints' generation as the write read it with its BEGIN (PostgreSQL; null on
   * SQLite, or before migration 0008): a database trigger bumps it with every change of the
   * `webhooks` table, so endpoints an instance read at the same generation are still the table's.
   */
  webhooksGeneration: string | null;
  /**
   * The event whose row the BEGIN locked (`WriteOptions.event`, PostgreSQL), or null, with the
   * first row of the read that ran after the lock (`WriteOptions.read`; undefined when it found
   * nothing): that read, and every statement after it, sees the row's latest committed state and
   * everything committed with it.
   */
  locked: { id: string; row: Record<string, unknown> | undefined } | null;
  /**
   * Hold a statement back until the transaction's next one (its COMMIT, at the latest) and send it
   * in the same message: a write's last statement then costs no round trip of its own. `rows` hears
   * its rows once it ran. Only for a statement whose failure may fail the whole write at its
   * commit. PostgreSQL only (`message` in db/prepared.ts); absent elsewhere.
   */
  hold?: (statement: Statement, rows: (rows: unknown[]) => void) => Promise<void>;
  /** Send what `hold` held back now (a consequence that needs its answers before the commit). */
  flush?: () => Promise<void>;
}
