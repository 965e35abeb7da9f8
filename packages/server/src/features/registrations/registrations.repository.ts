/**
 * Registrations in SQL. Every change records itself in the transaction's effects, so the live
 * hub tells admins and the owning organizer after commit — the same way history reaches the
 * stream. Callers run inside `Store.write` (BEGIN IMMEDIATE): counting places and inserting are
 * serialised, which is what makes "exactly one gets the last place" hold.
 */
import {
  ACTIVE_REGISTRATION_STATUSES,
  NO_REGISTRATIONS,
  type RegistrationCounts,
  type RegistrationLiveType,
  type RegistrationStatus,
} from '@kairos/core';
import { type ExpressionBuilder, type Selectable, sql } from 'kysely';
import { jsonObjectFrom } from 'kysely/helpers/postgres';
import type { Database, RegistrationsTable } from '../../db/schema.ts';
import type { Db, Tx } from '../../db/unit-of-work.ts';
import type { EventRecord } from '../events/event.record.ts';
import type { RegistrationRecord } from './registration.record.ts';

const optNum = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Row to record: string columns narrowed to their unions. Both drivers already answer numbers (db/postgres.ts parses int8). */
function toRecord(r: Selectable<RegistrationsTable>): RegistrationRecord {
  return {
    ...r,
    status: r.status as RegistrationStatus,
    position: optNum(r.position),
    checkedInAt: optNum(r.checkedInAt),
    createdAt: Number(r.createdAt),
    updatedAt: Number(r.updatedAt),
  };
}

export async function findRegistration(db: Db, id: string): Promise<RegistrationRecord | undefined> {
  const row = await db.selectFrom('registrations').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRecord(row);
}

export async function findActiveByEmail(db: Db, eventId: string, email: string): Promise<RegistrationRecord | undefined> {
  const row = await db
    .selectFrom('registrations')
    .selectAll()
    .where('eventId', '=', eventId)
    .where('email', '=', email)
    .where('status', 'in', ACTIVE_REGISTRATION_STATUSES)
    .executeTakeFirst();
  return row && toRecord(row);
}

/**
 * The counts of many events in one grouped query (a page of the event list costs one query,
 * not one per event). Events without active registrations are absent: read them as zero.
 */
export async function registrationCounts(db: Db, eventIds: readonly string[]): Promise<Map<string, RegistrationCounts>> {
  if (eventIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('registrations')
    .select(['eventId', ...COUNT_COLUMNS])
    .where('eventId', 'in', [...new Set(eventIds)])
    .where('status', 'in', ACTIVE_REGISTRATION_STATUSES)
    .groupBy('eventId')
    .execute();
  return new Map(rows.map((r) => [r.eventId, countsFrom(r)]));
}

/** The counts as aggregates over one event's active registrations (qualified: they also run as a subquery of `events`). */
const COUNT_COLUMNS = [
  sql<number>`sum(case when registrations.status = 'confirmed' then 1 else 0 end)`.as('registered'),
  sql<number>`sum(case when registrations.status = 'waitlisted' then 1 else 0 end)`.as('waitlisted'),
  sql<number>`sum(case when registrations.status = 'confirmed' and registrations.checked_in_at is not null then 1 else 0 end)`.as(
    'checkedIn',
  ),
] as const;

/** `COUNT_COLUMNS` (or `countsOfEventRow`) read back; sums over no row are null. */
export function countsFrom(
  r: { registered: unknown; waitlisted: unknown; checkedIn: unknown } | null | undefined,
): RegistrationCounts {
  return { registered: Number(r?.registered ?? 0), waitlisted: Number(r?.waitlisted ?? 0), checkedIn: Number(r?.checkedIn ?? 0) };
}

/** One event's counts, for a select over `events` to read in the same statement (PostgreSQL: one JSON column). */
export function countsOfEventRow(eb: ExpressionBuilder<Database, 'events'>) {
  return jsonObjectFrom(
    eb
      .selectFrom('registrations')
      .select(COUNT_COLUMNS)
      .whereRef('registrations.eventId', '=', 'events.id')
      .where('registrations.status', 'in', ACTIVE_REGISTRATION_STATUSES),
  );
}

export async function countsOf(db: Db, eventId: string): Promise<RegistrationCounts> {
  return (await registrationCounts(db, [eventId])).get(eventId) ?? NO_REGISTRATIONS;
}

/** The next free waitlist position (positions are kept contiguous from 1). */
export async function nextWaitlistPosition(db: Db, eventId: string): Promise<number> {
  const row = await db
    .selectFrom('registrations')
    .select((eb) => eb.fn.max('position').as('m'))
    .where('eventId', '=', eventId)
    .where('status', '=', 'waitlisted')
    .executeTakeFirst();
  return Number(row?.m ?? 0) + 1;
}

async function record(tx: Tx, type: RegistrationLiveType, ownerId: string, rows: RegistrationRecord[], at: number) {
  if (rows.length === 0) return;
  const first = rows[0] as RegistrationRecord;
  const counts = await countsOf(tx.db, first.eventId);
  for (const registration of rows) tx.effects.registrations.push({ type, at, ownerId, registration, counts });
}

export async function insertRegistration(tx: Tx, r: RegistrationRecord, ownerId: string): Promise<void> {
  await tx.db.insertInto('registrations').values(r).execute();
  await record(tx, 'registration.created', ownerId, [r], r.createdAt);
}

export async function cancelRegistration(
  tx: Tx,
  r: RegistrationRecord,
  ownerId: string,
  now: number,
): Promise<RegistrationRecord> {
  await tx.db
    .updateTable('registrations')
    .set({ status: 'cancelled', position: null, updatedAt: now })
    .where('id', '=', r.id)
    .execute();
  const cancelled: RegistrationRecord = { ...r, status: 'cancelled', position: null, updatedAt: now };
  await renumberWaitlist(tx, r.eventId, now);
  await record(tx, 'registration.cancelled', ownerId, [cancelled], now);
  return cancelled;
}

/**
 * Fill free places from the head of the waitlist (lowest position first), then renumber the
 * rest from 1. Called after a confirmed place was freed, in that same transaction.
 */
export async function promoteFromWaitlist(
  tx: Tx,
  eventId: string,
  capacity: number | null,
  ownerId: string,
  now: number,
): Promise<RegistrationRecord[]> {
  const { registered } = await countsOf(tx.db, eventId);
  const free = capacity === null ? Number.MAX_SAFE_INTEGER : capacity - registered;
  if (free <= 0) return [];
  const rows = await waitlistOf(tx, eventId, Math.min(free, 10_000));
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  await tx.db
    .updateTable('registrations')
    .set({ status: 'confirmed', position: null, updatedAt: now })
    .where('id', 'in', ids)
    .execute();
  await renumberWaitlist(tx, eventId, now);
  const promoted = rows.map((r): RegistrationRecord => ({ ...toRecord(r), status: 'confirmed', position: null, updatedAt: now }));
  await record(tx, 'registration.promoted', ownerId, promoted, now);
  return promoted;
}

/** Positions 1..n in waitlist order; only rows whose position changes are written. */
async function renumberWaitlist(tx: Tx, eventId: string, now: number): Promise<void> {
  const rows = await tx.db
    .selectFrom('registrations')
    .select(['id', 'position'])
    .where('eventId', '=', eventId)
    .where('status', '=', 'waitlisted')
    .orderBy('position')
    .orderBy('createdAt')
    .execute();
  for (const [i, r] of rows.entries()) {
    if (optNum(r.position) === i + 1) continue;
    await tx.db
      .updateTable('registrations')
      .set({ position: i + 1, updatedAt: now })
      .where('id', '=', r.id)
      .execute();
  }
}

/** The waitlist in order (position, then arrival), the first `limit` of it or all. */
function waitlistOf(tx: Tx, eventId: string, limit: number | null) {
  const q = tx.db
    .selectFrom('registrations')
    .selectAll()
    .where('eventId', '=', eventId)
    .where('status', '=', 'waitlisted')
    .orderBy('position')
    .orderBy('createdAt');
  return (limit === null ? q : q.limit(limit)).execute();
}

/**
 * After an edit or a workflow action, in its transaction: while registration is open, free places
 * (a raised capacity) go to the head of the waitlist; once it is not (an edit moved the close into
 * the past, removed the window, or the event was cancelled), the waitlist expires (SPEC §11).
 * Returns the event's counts after it; `known` (read under the event's lock in this transaction)
 * saves reading them, and an event with nobody waiting — most — costs no statement at all.
 */
export async function settleWaitlist(
  tx: Tx,
  event: EventRecord,
  registrationOpen: boolean,
  now: number,
  known?: RegistrationCounts,
): Promise<RegistrationCounts> {
  const counts = known ?? (await countsOf(tx.db, event.id));
  if (counts.waitlisted === 0) return counts;
  const changed = registrationOpen
    ? (await promoteFromWaitlist(tx, event.id, event.capacity, event.createdBy, now)).length
    : await expireWaitlist(tx, event.id, event.createdBy, now);
  return changed > 0 ? countsOf(tx.db, event.id) : counts;
}

/** Every still-waitlisted registration of the event expires (at registration close). Idempotent. */
export async function expireWaitlist(tx: Tx, eventId: string, ownerId: string, now: number): Promise<number> {
  const rows = await waitlistOf(tx, eventId, null);
  if (rows.length === 0) return 0;
  await tx.db
    .updateTable('registrations')
    .set({ status: 'expired', position: null, updatedAt: now })
    .where('eventId', '=', eventId)
    .where('status', '=', 'waitlisted')
    .execute();
  const expired = rows.map((r): RegistrationRecord => ({ ...toRecord(r), status: 'expired', position: null, updatedAt: now }));
  await record(tx, 'registration.expired', ownerId, expired, now);
  return expired.length;
}

export async function checkInRegistration(
  tx: Tx,
  r: RegistrationRecord,
  ownerId: string,
  now: number,
): Promise<RegistrationRecord> {
  await tx.db.updateTable('registrations').set({ checkedInAt: now, updatedAt: now }).where('id', '=', r.id).execute();
  const checkedIn: RegistrationRecord = { ...r, checkedInAt: now, updatedAt: now };
  await record(tx, 'registration.checked_in', ownerId, [checkedIn], now);
  return checkedIn;
}

/** A page of an event's registrations in creation order, keyset-paginated; all of them when `limit` is null. */
export async function listRegistrations(
  db: Db,
  eventId: string,
  after: { createdAt: number; id: string } | null,
  limit: number | null,
): Promise<RegistrationRecord[]> {
  let q = db.selectFrom('registrations').selectAll().where('eventId', '=', eventId);
  if (after) {
    const { createdAt, id } = after;
    q = q.where((eb) => eb.or([eb('createdAt', '>', createdAt), eb.and([eb('createdAt', '=', createdAt), eb('id', '>', id)])]));
  }
  q = q.orderBy('createdAt').orderBy('id');
  if (limit !== null) q = q.limit(limit);
  return (await q.execute()).map(toRecord);
}
