/**
 * Pending triggers: the rows that make invariant I1 hold. Only `syncTriggers` writes them, and
 * only the events repository calls it, inside the transaction that writes the event. Every
 * change is mirrored to the dialect's job queue (`tx.jobs`) in the same transaction.
 */
import { type Boundary, type EventDates, isScheduled, pendingTriggers, type Status, type TriggerKind } from '@kairos/core';
import type { Db, Tx } from '../../db/unit-of-work.ts';
import type { TriggerRow } from './event.record.ts';

/** The triggers an event must have now: its future boundaries, if it runs on the clock. */
export function desiredTriggers(event: EventDates & { status: string }, now: number): Boundary[] {
  return isScheduled(event.status as Status) ? pendingTriggers(event, now) : [];
}

/** Make the event's trigger rows equal `desiredTriggers`; touches only rows that differ. */
export async function syncTriggers(tx: Tx, event: EventDates & { id: string; status: string }, now: number): Promise<void> {
  const want = desiredTriggers(event, now);
  const have = await tx.db.selectFrom('triggers').select(['trigger', 'dueAt']).where('eventId', '=', event.id).execute();
  const wantKey = new Set(want.map((b) => `${b.trigger}@${b.at}`));
  const haveKey = new Set(have.map((r) => `${r.trigger}@${Number(r.dueAt)}`));
  const stale = have.filter((r) => !wantKey.has(`${r.trigger}@${Number(r.dueAt)}`)).map((r) => r.trigger);
  const missing = want.filter((b) => !haveKey.has(`${b.trigger}@${b.at}`));
  if (stale.length > 0) {
    await tx.db.deleteFrom('triggers').where('eventId', '=', event.id).where('trigger', 'in', stale).execute();
    await tx.jobs.removed(tx.db, event.id, stale);
  }
  if (missing.length > 0) {
    const rows = missing.map((b) => ({ eventId: event.id, trigger: b.trigger, dueAt: b.at }));
    await tx.db.insertInto('triggers').values(rows).execute();
    await tx.jobs.scheduled(tx.db, rows);
  }
  if (stale.length > 0 || missing.length > 0) tx.effects.triggersChanged = true;
}

export async function deleteTriggersOf(tx: Tx, eventId: string): Promise<void> {
  const gone = await tx.db.deleteFrom('triggers').where('eventId', '=', eventId).returning('trigger').execute();
  if (gone.length === 0) return;
  await tx.jobs.removed(
    tx.db,
    eventId,
    gone.map((r) => r.trigger),
  );
  tx.effects.triggersChanged = true;
}

const toRow = (r: { eventId: string; trigger: string; dueAt: number | bigint | string }): TriggerRow => ({
  eventId: r.eventId,
  trigger: r.trigger as TriggerKind,
  dueAt: Number(r.dueAt),
});

/** The earliest pending triggers, oldest first (ties by event and SPEC order of boundaries). */
export async function nextTriggers(db: Db, limit: number): Promise<TriggerRow[]> {
  const rows = await db
    .selectFrom('triggers')
    .select(['eventId', 'trigger', 'dueAt'])
    .orderBy('dueAt')
    .orderBy('eventId')
    .limit(limit)
    .execute();
  return rows.map(toRow);
}

/** One event's triggers due at or before `upTo`, oldest first. */
export async function triggersOfEventUpTo(db: Db, eventId: string, upTo: number): Promise<TriggerRow[]> {
  const rows = await db
    .selectFrom('triggers')
    .select(['eventId', 'trigger', 'dueAt'])
    .where('eventId', '=', eventId)
    .where('dueAt', '<=', upTo)
    .orderBy('dueAt')
    .execute();
  return rows.map(toRow);
}

/** Remove one trigger if it is still exactly the one we fired (compare-and-delete). */
export async function consumeTrigger(tx: Tx, t: TriggerRow): Promise<boolean> {
  const { numDeletedRows } = await tx.db
    .deleteFrom('triggers')
    .where('eventId', '=', t.eventId)
    .where('trigger', '=', t.trigger)
    .where('dueAt', '=', t.dueAt)
    .executeTakeFirst();
  if (numDeletedRows === 0n) return false;
  // The job, if it is not the one running this very firing, has nothing left to do.
  await tx.jobs.removed(tx.db, t.eventId, [t.trigger]);
  tx.effects.triggersChanged = true;
  return true;
}

export async function countTriggers(db: Db): Promise<number> {
  const row = await db
    .selectFrom('triggers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function allTriggers(db: Db): Promise<TriggerRow[]> {
  const rows = await db.selectFrom('triggers').select(['eventId', 'trigger', 'dueAt']).execute();
  return rows.map(toRow);
}
