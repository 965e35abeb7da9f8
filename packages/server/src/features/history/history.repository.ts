/**
 * The history log (SPEC §5): append-only, `seq` global and strictly increasing. Appending
 * records the entry in the transaction's effects, so the live stream hears of it after commit.
 */
import type { HistoryCause, Phase, RegistrationCounts, Status, TriggerKind } from '@kairos/core';
import { type QueryCreator, type Selectable, sql } from 'kysely';
import { type Prepared, prepare } from '../../db/compiled.ts';
import type { Database, HistoryTable } from '../../db/schema.ts';
import type { Db, Tx } from '../../db/unit-of-work.ts';
import type { EventRecord } from '../events/event.record.ts';
import type { HistoryRecord, NewHistory } from './history.record.ts';

export function toHistory(r: Selectable<HistoryTable>): HistoryRecord {
  return {
    seq: Number(r.seq),
    eventId: r.eventId,
    ownerId: r.ownerId,
    at: Number(r.at),
    cause: r.cause as HistoryCause,
    actor: r.actor,
    from: r.fromStatus === null ? null : { status: r.fromStatus as Status, phase: r.fromPhase as Phase },
    to: { status: r.toStatus as Status, phase: r.toPhase as Phase },
    trigger: r.trigger as TriggerKind | null,
    dueAt: r.dueAt === null ? null : Number(r.dueAt),
    lateMs: r.lateMs === null ? null : Number(r.lateMs),
    reason: r.reason,
  };
}

/**
 * Append an entry; `event` is the event as it reads after this write (null once deleted) and
 * `counts` its registration counts as of this transaction: the stream's copy of the event
 * carries them. The caller, which builds that picture, reads the counts.
 */
export async function appendHistory(
  tx: Tx,
  e: NewHistory,
  event: EventRecord | null,
  counts: RegistrationCounts,
): Promise<HistoryRecord> {
  const [row] = (await insertAlone.execute(tx.db, entryParams(e))).rows;
  if (!row) throw new Error('history insert returned no seq');
  return entryWritten(tx, { ...e, seq: Number(row.seq) }, event, counts);
}

/**
 * An entry that another repository's statement wrote (`withEntry`; its `seq` set by that
 * repository, at the latest when the write commits): recorded as `appendHistory` records one,
 * for the stream to hear of after commit.
 */
export function entryWritten(tx: Tx, entry: HistoryRecord, event: EventRecord | null, counts: RegistrationCounts): HistoryRecord {
  tx.effects.entries.push({ entry, event, counts });
  return entry;
}

/** An entry's columns as the parameters of a prepared statement, each named `h_<column>`. */
export type EntryParams = { [K in keyof HistoryRow as `h_${K}`]: HistoryRow[K] };

export function entryParams(e: NewHistory): EntryParams {
  return Object.fromEntries(Object.entries(historyValues(e)).map(([k, v]) => [`h_${k}`, v])) as EntryParams;
}

/** The INSERT of the entry in `p`, returning its `seq`: on its own, or a CTE (`entry`) of another repository's write. */
export function insertEntry(db: QueryCreator<Database>, p: EntryParams) {
  return db
    .insertInto('history')
    .values({
      eventId: p.h_eventId,
      ownerId: p.h_ownerId,
      at: p.h_at,
      cause: p.h_cause,
      actor: p.h_actor,
      fromStatus: p.h_fromStatus,
      fromPhase: p.h_fromPhase,
      toStatus: p.h_toStatus,
      toPhase: p.h_toPhase,
      trigger: p.h_trigger,
      dueAt: p.h_dueAt,
      lateMs: p.h_lateMs,
      reason: p.h_reason,
    })
    .returning('seq');
}

/** `db` with the entry's insert as the CTE `entry`; the statement then answers `(select seq from entry)` as `seq`. */
export function withEntry(db: QueryCreator<Database>, p: EntryParams): QueryCreator<Database> {
  return db.with('entry', (qc) => insertEntry(qc as QueryCreator<Database>, p)) as unknown as QueryCreator<Database>;
}

/** What a statement written `withEntry` returns: the entry's `seq`, on each of its rows. */
export const ENTRY_SEQ = sql<number>`(select seq from entry)`.as('seq');

/** The `seq` in the rows of a statement written `withEntry` (NaN if none: it always answers one). */
export const entrySeq = (rows: readonly unknown[]): number => Number((rows[0] as { seq?: unknown } | undefined)?.seq);

/**
 * Run `query`, a statement written `withEntry`, and set `entry.seq` from its answer. Where the
 * transaction holds statements back (`Tx.hold`, PostgreSQL) it is held instead, to travel with
 * the COMMIT unless another statement comes first (which sends it before itself), and the `seq`
 * is set once it ran: a write's last statement costs no round trip of its own.
 */
export async function writeWithEntry<P>(
  tx: Tx,
  query: Prepared<P, unknown>,
  params: P,
  shape: number,
  entry: HistoryRecord,
): Promise<void> {
  if (tx.hold) await tx.hold(query.statement(tx.db, params, shape), (rows) => (entry.seq = entrySeq(rows)));
  else entry.seq = entrySeq((await query.execute(tx.db, params, shape)).rows);
}

const insertAlone = prepare((db, p: EntryParams) => insertEntry(db, p));

export async function historyOf(db: Db, eventId: string, afterSeq: number, limit: number): Promise<HistoryRecord[]> {
  const rows = await db
    .selectFrom('history')
    .selectAll()
    .where('eventId', '=', eventId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(toHistory);
}

/** Entries after `afterSeq`, oldest first: the stream's replay and fan-out source. */
export async function historySince(db: Db, afterSeq: number, limit: number): Promise<HistoryRecord[]> {
  const rows = await db.selectFrom('history').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
  return rows.map(toHistory);
}

export async function lastSeq(db: Db): Promise<number> {
  const row = await db
    .selectFrom('history')
    .select((eb) => eb.fn.max('seq').as('m'))
    .executeTakeFirst();
  return Number(row?.m ?? 0);
}

/** Whether an event ever existed (its history survives deletion). */
export async function firstEntryOf(db: Db, eventId: string): Promise<HistoryRecord | undefined> {
  const row = await db
    .selectFrom('history')
    .selectAll()
    .where('eventId', '=', eventId)
    .orderBy('seq')
    .limit(1)
    .executeTakeFirst();
  return row && toHistory(row);
}

/**
 * Rows per INSERT in a batch: 13 columns each keeps a statement under SQLite's 32 766 bound
 * parameters with room to spare.
 */
const INSERT_CHUNK = 1000;

/**
 * Append many entries with one multi-row INSERT (per chunk), in the order given: each is
 * numbered after the one before it, as if appended one by one. `event` and `counts` are what the
 * stream tells about each entry.
 */
export async function appendHistoryBatch(
  tx: Tx,
  items: ReadonlyArray<{ entry: NewHistory; event: EventRecord | null; counts: RegistrationCounts }>,
): Promise<HistoryRecord[]> {
  const out: HistoryRecord[] = [];
  for (let i = 0; i < items.length; i += INSERT_CHUNK) {
    const chunk = items.slice(i, i + INSERT_CHUNK);
    const rows = await tx.db
      .insertInto('history')
      .values(chunk.map(({ entry: e }) => historyValues(e)))
      .returning('seq')
      .execute();
    // Both dialects number a multi-row VALUES list in ascending order (SQLite's rowid; PostgreSQL's
    // nextval per row, in order — a concurrent write may take values in between, which leaves
    // ours ascending); sorting makes the pairing independent of the order RETURNING lists them in.
    const seqs = rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
    chunk.forEach(({ entry, event, counts }, k) => {
      const record = { ...entry, seq: seqs[k] as number };
      tx.effects.entries.push({ entry: record, event, counts });
      out.push(record);
    });
  }
  return out;
}

type HistoryRow = ReturnType<typeof historyValues>;

function historyValues(e: NewHistory) {
  return {
    eventId: e.eventId,
    ownerId: e.ownerId,
    at: e.at,
    cause: e.cause,
    actor: e.actor,
    fromStatus: e.from?.status ?? null,
    fromPhase: e.from?.phase ?? null,
    toStatus: e.to.status,
    toPhase: e.to.phase,
    trigger: e.trigger,
    dueAt: e.dueAt,
    lateMs: e.lateMs,
    reason: e.reason,
  };
}
