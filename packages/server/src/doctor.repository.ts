/**
 * The doctor's reads: events and triggers in event-id order, one keyset chunk at a time, with
 * only the columns the checks need. `id` order is the primary key's (events) and the leading
 * column of `triggers_pk` (triggers), so both are index walks with no sort.
 */
import type { EventDates, Phase, Status, TriggerKind } from '@kairos/core';
import type { Db } from './db/database.ts';
import type { TriggerRow } from './features/events/triggers.repository.ts';

export interface DoctorEvent extends EventDates {
  id: string;
  status: Status;
  phase: Phase;
  createdBy: string;
}

const optNum = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export async function countEvents(db: Db): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The next `limit` events after `afterId`, in id order. */
export async function eventsAfter(db: Db, afterId: string | null, limit: number): Promise<DoctorEvent[]> {
  let q = db
    .selectFrom('events')
    .select([
      'id',
      'status',
      'phase',
      'createdBy',
      'registrationOpensAt',
      'registrationClosesAt',
      'startsAt',
      'endsAt',
      'certificatesOpenAt',
      'certificatesCloseAt',
    ]);
  if (afterId !== null) q = q.where('id', '>', afterId);
  const rows = await q.orderBy('id').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    status: r.status as Status,
    phase: r.phase as Phase,
    createdBy: r.createdBy,
    registrationOpensAt: optNum(r.registrationOpensAt),
    registrationClosesAt: optNum(r.registrationClosesAt),
    startsAt: Number(r.startsAt),
    endsAt: Number(r.endsAt),
    certificatesOpenAt: optNum(r.certificatesOpenAt),
    certificatesCloseAt: optNum(r.certificatesCloseAt),
  }));
}

/** Every trigger whose event id is in (afterId, upTo]; `null` bounds are open. */
export async function triggersBetween(db: Db, afterId: string | null, upTo: string | null): Promise<TriggerRow[]> {
  let q = db.selectFrom('triggers').select(['eventId', 'trigger', 'dueAt']);
  if (afterId !== null) q = q.where('eventId', '>', afterId);
  if (upTo !== null) q = q.where('eventId', '<=', upTo);
  const rows = await q.orderBy('eventId').execute();
  return rows.map((r) => ({ eventId: r.eventId, trigger: r.trigger as TriggerKind, dueAt: Number(r.dueAt) }));
}
