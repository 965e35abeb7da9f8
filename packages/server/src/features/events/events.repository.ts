/**
 * Events in SQL. Inserting or updating an event re-derives its triggers in the same
 * transaction (invariant I1): callers cannot write one without the other.
 */
import { IMPORT_ID, type Phase, type RegistrationCounts, type Status } from '@kairos/core';
import type { InferResult, QueryCreator, Selectable } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { prepare, type Statement } from '../../db/compiled.ts';
import { isSqlite } from '../../db/dialect.ts';
import type { Database, EventsTable } from '../../db/schema.ts';
import type { Db, Tx } from '../../db/unit-of-work.ts';
import type { HistoryRecord } from '../history/history.record.ts';
import { ENTRY_SEQ, type EntryParams, entryParams, withEntry, writeWithEntry } from '../history/history.repository.ts';
import { countsFrom, countsOf, countsOfEventRow } from '../registrations/registrations.repository.ts';
import type { EventRecord } from './event.record.ts';
import { type ListFilter, listEventKeys } from './events.query.ts';
import {
  deleteTriggersOf,
  eventRow,
  newTriggerRows,
  syncTriggers,
  type TriggerParams,
  triggerParams,
  triggersAdded,
  triggerValues,
  WITH_ENTRY,
  WITH_EVENT,
} from './triggers.repository.ts';

export type { ListFilter } from './events.query.ts';

const num = (v: unknown): number => Number(v);
const optNum = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Row to record: string columns narrowed to their unions. Both drivers already answer numbers (db/postgres.ts parses int8). */
export function toRecord(r: Selectable<EventsTable>): EventRecord {
  return {
    ...r,
    capacity: optNum(r.capacity),
    reminderMinutesBefore: optNum(r.reminderMinutesBefore),
    registrationOpensAt: optNum(r.registrationOpensAt),
    registrationClosesAt: optNum(r.registrationClosesAt),
    startsAt: num(r.startsAt),
    endsAt: num(r.endsAt),
    certificatesOpenAt: optNum(r.certificatesOpenAt),
    certificatesCloseAt: optNum(r.certificatesCloseAt),
    status: r.status as Status,
    phase: r.phase as Phase,
    version: num(r.version),
    createdAt: num(r.createdAt),
    updatedAt: num(r.updatedAt),
  };
}

/**
 * One event. `lock` (a write on PostgreSQL, `Tx.rowLocks`): hold its row until commit, so writes
 * that decide from the event (an edit, a registration counting places, a firing) take turns.
 */
export async function findEvent(db: Db, id: string, lock = false): Promise<EventRecord | undefined> {
  const row = await db
    .selectFrom('events')
    .selectAll()
    .where('id', '=', id)
    .$if(lock, (q) => q.forUpdate())
    .executeTakeFirst();
  return row && toRecord(row);
}

/** An event and its registration counts, as a write that edits it reads them under its lock. */
export interface EventToEdit {
  event: EventRecord;
  counts: RegistrationCounts;
}

/**
 * The event a write is about to edit (`updateEvent`), locked as `findEvent` locks it, with its
 * registration counts. On PostgreSQL the write's BEGIN message locked the row and ran `editRead`
 * after it (`Tx.locked`): no statement of its own here, and the trigger rows it read are kept in
 * `Tx.triggers` for the edit's trigger sync. That read is a statement of its own, after the lock's:
 * read in the statement that takes the lock, the subqueries would keep the snapshot from before
 * the wait while the row itself is re-read after it (PostgreSQL's EvalPlanQual), and miss what
 * the other write changed.
 */
export async function findEventToEdit(tx: Tx, id: string): Promise<EventToEdit | undefined> {
  const row = tx.locked?.id === id ? (tx.locked.row as EditRow | undefined) : undefined;
  if (row === undefined) return findEventWithCounts(tx.db, id, tx.rowLocks);
  if (row.id === null) return undefined;
  const { triggerRows, counts, ...event } = row;
  tx.triggers.set(id, triggerRows);
  return { event: toRecord(event), counts: countsFrom(counts) };
}

const editRead = prepare((db, p: { id: string }) =>
  db
    .selectFrom('events')
    .selectAll('events')
    .select((eb) => [
      jsonArrayFrom(eb.selectFrom('triggers').select(['trigger', 'dueAt']).whereRef('triggers.eventId', '=', 'events.id')).as(
        'triggerRows',
      ),
      countsOfEventRow(eb).as('counts'),
    ])
    .where('events.id', '=', p.id),
);

type EditRow = InferResult<ReturnType<typeof editRead.compile>>[number];

/**
 * The statement `findEventToEdit` reads from, for the write's BEGIN message to run after its lock
 * (`WriteOptions.read`): PostgreSQL only, and only for an id of the shape every event id has.
 */
export function editReadStatement(db: Db, id: string): Statement | undefined {
  return isSqlite(db) || !IMPORT_ID.test(id) ? undefined : editRead.statement(db, { id });
}

/** An event and its registration counts in two statements (`lock` as in `findEvent`). */
export async function findEventWithCounts(db: Db, id: string, lock = false): Promise<EventToEdit | undefined> {
  const event = await findEvent(db, id, lock);
  return event && { event, counts: await countsOf(db, id) };
}

export async function findEvents(db: Db, ids: readonly string[]): Promise<Map<string, EventRecord>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return new Map(rows.map((r) => [r.id, toRecord(r)]));
}

/**
 * A new event, its triggers and its history entry (`entry`, whose `seq` this sets when it writes
 * it). On PostgreSQL one statement writes them all (the event's insert and the entry's are
 * data-modifying CTEs of the triggers' insert, whose foreign key sees the event): two round trips
 * fewer per create, and that statement is held for the write's COMMIT (`writeWithEntry`): one
 * more. Answers whether it wrote the entry (false: the caller must append it; SQLite's CTEs cannot
 * write, and its statements cost no round trip).
 */
export async function insertEvent(tx: Tx, event: EventRecord, now: number, entry?: HistoryRecord): Promise<boolean> {
  const triggers = newTriggerRows(tx, event, now);
  if (isSqlite(tx.db)) {
    await insertEventRow.execute(tx.db, event);
    if (triggers.length > 0) await insertTriggers.execute(tx.db, triggerParams(event, triggers), triggers.length * 4);
  } else if (!entry) {
    if (triggers.length === 0) await insertEventRow.execute(tx.db, event);
    else await insertTriggers.execute(tx.db, triggerParams(event, triggers), triggers.length * 4 + WITH_EVENT);
  } else if (triggers.length === 0) {
    await writeWithEntry(tx, insertEventRow, { ...event, ...entryParams(entry) }, WITH_ENTRY, entry);
  } else {
    const params = { ...triggerParams(event, triggers), ...entryParams(entry) };
    await writeWithEntry(tx, insertTriggers, params, triggers.length * 4 + WITH_EVENT + WITH_ENTRY, entry);
  }
  await triggersAdded(tx, triggers);
  return entry !== undefined && !isSqlite(tx.db);
}

/** The event's row; with `WITH_ENTRY`, the entry's insert as a CTE (answers its `seq`). */
const insertEventRow = prepare((db, p: EventRecord & Partial<EntryParams>, shape) =>
  shape & WITH_ENTRY
    ? withEntry(db, p as EntryParams)
        .insertInto('events')
        .values(eventRow(p))
        .returning(ENTRY_SEQ)
    : db.insertInto('events').values(eventRow(p)),
);

/** `shape >> 2` trigger rows of a new event; with `WITH_EVENT` the event's insert, with `WITH_ENTRY` the entry's, as CTEs. */
const insertTriggers = prepare((db, p: TriggerParams & Partial<EntryParams>, shape) => {
  const withEvent =
    shape & WITH_EVENT
      ? db.with('event', () =>
          db
            .insertInto('events')
            .values(eventRow(p as EventRecord))
            .returning('id'),
        )
      : db;
  const into = shape & WITH_ENTRY ? withEntry(withEvent as QueryCreator<Database>, p as EntryParams) : withEvent;
  const insert = (into as QueryCreator<Database>).insertInto('triggers').values(triggerValues(p, shape >> 2));
  return shape & WITH_ENTRY ? insert.returning(ENTRY_SEQ) : insert;
});

/**
 * Write every column of `event`; its triggers follow its new dates and status, in the same
 * statement where they can, and so does its history entry (answered as in `insertEvent`; on
 * PostgreSQL that statement travels with the COMMIT, and sets the entry's `seq` then).
 */
export async function updateEvent(tx: Tx, event: EventRecord, now: number, entry?: HistoryRecord): Promise<boolean> {
  return syncTriggers(tx, event, now, { row: event, entry });
}

/**
 * The scheduler's compare-and-set: move (status, phase) only if they are still what the firing
 * read. Returns false when something else changed the event first.
 */
export async function setStateIf(
  tx: Tx,
  id: string,
  expected: { status: Status; phase: Phase },
  next: { status: Status; phase: Phase },
): Promise<boolean> {
  const { numUpdatedRows } = await tx.db
    .updateTable('events')
    .set({ status: next.status, phase: next.phase })
    .where('id', '=', id)
    .where('status', '=', expected.status)
    .where('phase', '=', expected.phase)
    .executeTakeFirst();
  return numUpdatedRows > 0n;
}

export async function deleteEvent(tx: Tx, id: string): Promise<void> {
  await deleteTriggersOf(tx, id);
  await tx.db.deleteFrom('events').where('id', '=', id).execute();
}

/** A page of events sorted by (startsAt, id), keyset-paginated; the plan is in events.query.ts. */
export async function listEvents(db: Db, f: ListFilter): Promise<EventRecord[]> {
  const keys = await listEventKeys(db, f);
  const rows = await findEvents(
    db,
    keys.map((k) => k.id),
  );
  return keys.flatMap((k) => rows.get(k.id) ?? []);
}

/**
 * The batch firing's compare-and-set: move every listed event from `expected` to `next` if it is
 * still in `expected`. Returns how many moved.
 */
export async function setStatesIf(
  tx: Tx,
  ids: readonly string[],
  expected: { status: Status; phase: Phase },
  next: { status: Status; phase: Phase },
): Promise<number> {
  if (ids.length === 0) return 0;
  const { numUpdatedRows } = await tx.db
    .updateTable('events')
    .set({ status: next.status, phase: next.phase })
    .where('id', 'in', [...ids])
    .where('status', '=', expected.status)
    .where('phase', '=', expected.phase)
    .executeTakeFirst();
  return Number(numUpdatedRows);
}

/** Which of these ids exist (an import skips them). */
export async function existingEventIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('events')
    .select('id')
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** Every event, a page at a time in id order (the export walks them all without holding them). */
export async function eventsAfterId(db: Db, afterId: string | null, limit: number): Promise<EventRecord[]> {
  let q = db.selectFrom('events').selectAll().orderBy('id').limit(limit);
  if (afterId !== null) q = q.where('id', '>', afterId);
  return (await q.execute()).map(toRecord);
}
