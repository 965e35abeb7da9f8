/**
 * Events in SQL. Inserting or updating an event re-derives its triggers in the same
 * transaction (invariant I1): callers cannot write one without the other.
 */
import type { EventFields, Phase, Status } from '@kairos/core';
import { type Selectable, sql } from 'kysely';
import type { EventsTable } from '../../db/schema.ts';
import type { Db, Tx } from '../../db/unit-of-work.ts';
import type { EventRecord } from './event.record.ts';
import { deleteTriggersOf, syncTriggers } from './triggers.repository.ts';

const num = (v: unknown): number => Number(v);
const optNum = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Row to record: string columns narrowed to their unions. Both drivers already answer numbers (db/postgres.ts parses int8). */
export function toRecord(r: Selectable<EventsTable>): EventRecord {
  return {
    ...r,
    capacity: optNum(r.capacity),
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

export async function findEvent(db: Db, id: string): Promise<EventRecord | undefined> {
  const row = await db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRecord(row);
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

export async function insertEvent(tx: Tx, event: EventRecord, now: number): Promise<void> {
  await tx.db.insertInto('events').values(event).execute();
  await syncTriggers(tx, event, now);
}

/** Write every column of `event`; its triggers follow its new dates and status. */
export async function updateEvent(tx: Tx, event: EventRecord, now: number): Promise<void> {
  const { id, ...rest } = event;
  await tx.db.updateTable('events').set(rest).where('id', '=', id).execute();
  await syncTriggers(tx, event, now);
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

export interface ListFilter {
  statuses: string[] | null;
  phases: string[] | null;
  q: string | null;
  from: number | null;
  to: number | null;
  limit: number;
  after: { startsAt: number; id: string } | null;
  /** Visibility: statuses anyone may see, plus every status of events created by `ownerId`. */
  visibleStatuses: readonly string[] | null;
  ownerId: string | null;
}

/** A page of events sorted by (startsAt, id), keyset-paginated: cost stays flat with depth. */
export async function listEvents(db: Db, f: ListFilter): Promise<EventRecord[]> {
  let q = db.selectFrom('events').selectAll();
  if (f.visibleStatuses) {
    const visible = f.visibleStatuses;
    const owner = f.ownerId;
    q = q.where((eb) =>
      owner ? eb.or([eb('status', 'in', visible), eb('createdBy', '=', owner)]) : eb('status', 'in', visible),
    );
  }
  if (f.statuses) q = q.where('status', 'in', f.statuses);
  if (f.phases) q = q.where('phase', 'in', f.phases);
  if (f.from !== null) q = q.where('endsAt', '>', f.from);
  if (f.to !== null) q = q.where('startsAt', '<', f.to);
  if (f.q) {
    // Case-insensitive substring match; % and _ typed by the user match themselves.
    const like = `%${f.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const match = (col: 'title' | 'venue' | 'description') => sql<boolean>`lower(${sql.ref(col)}) like ${like} escape '\\'`;
    q = q.where((eb) => eb.or([match('title'), match('venue'), match('description')]));
  }
  if (f.after) {
    const { startsAt, id } = f.after;
    q = q.where((eb) => eb.or([eb('startsAt', '>', startsAt), eb.and([eb('startsAt', '=', startsAt), eb('id', '>', id)])]));
  }
  const rows = await q.orderBy('startsAt').orderBy('id').limit(f.limit).execute();
  return rows.map(toRecord);
}

export async function allEvents(db: Db): Promise<EventRecord[]> {
  const rows = await db.selectFrom('events').selectAll().execute();
  return rows.map(toRecord);
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
