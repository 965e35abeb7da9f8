/**
 * The mail outbox in SQL. Rows are written in the transaction of their cause, once per
 * (registration, kind, cause key) — a second write of the same mail is a no-op, which is what
 * makes a replayed cause harmless. The sender claims due rows in short transactions of its own.
 */
import type { MailKind, MailStatus } from '@kairos/core';
import type { Selectable } from 'kysely';
import type { MailOutboxTable } from '../../db/schema.ts';
import type { Db, Tx } from '../../db/unit-of-work.ts';
import type { OutboxRecord } from './outbox.record.ts';

const optNum = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toRecord(r: Selectable<MailOutboxTable>): OutboxRecord {
  return {
    ...r,
    kind: r.kind as MailKind,
    status: r.status as MailStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.nextAttemptAt),
    sentAt: optNum(r.sentAt),
    createdAt: Number(r.createdAt),
  };
}

/** Insert the mails that are not already there; returns how many were new. */
export async function insertMails(tx: Tx, rows: readonly OutboxRecord[]): Promise<number> {
  let added = 0;
  // One statement per row: the unique key decides each one, and a cause mails a handful of attendees.
  for (const row of rows) {
    const r = await tx.db
      .insertInto('mailOutbox')
      .values(row)
      .onConflict((oc) => oc.columns(['registrationId', 'kind', 'causeKey']).doNothing())
      .executeTakeFirst();
    added += Number(r.numInsertedOrUpdatedRows ?? 0n);
  }
  return added;
}

/** An event's outbox, newest first, keyset-paginated on (createdAt, id). */
export async function mailOfEvent(
  db: Db,
  eventId: string,
  before: { createdAt: number; id: string } | null,
  limit: number,
): Promise<OutboxRecord[]> {
  let q = db.selectFrom('mailOutbox').selectAll().where('eventId', '=', eventId);
  if (before) {
    const { createdAt, id } = before;
    q = q.where((eb) => eb.or([eb('createdAt', '<', createdAt), eb.and([eb('createdAt', '=', createdAt), eb('id', '<', id)])]));
  }
  const rows = await q.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toRecord);
}

/**
 * Claim up to `limit` due pending rows for one attempt: count the attempt and push their next
 * attempt `leaseMs` ahead, so no other sender (another instance) takes them while this one
 * tries. The caller runs this in a write transaction (the store's write lock serialises claims).
 */
export async function claimDueMails(tx: Tx, now: number, leaseMs: number, limit: number): Promise<OutboxRecord[]> {
  const due = await tx.db
    .selectFrom('mailOutbox')
    .selectAll()
    .where('status', '=', 'pending')
    .where('nextAttemptAt', '<=', now)
    .orderBy('nextAttemptAt')
    .orderBy('id')
    .limit(limit)
    .execute();
  if (due.length === 0) return [];
  await tx.db
    .updateTable('mailOutbox')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), nextAttemptAt: now + leaseMs }))
    .where(
      'id',
      'in',
      due.map((r) => r.id),
    )
    .execute();
  return due.map((r) => ({ ...toRecord(r), attempts: Number(r.attempts) + 1, nextAttemptAt: now + leaseMs }));
}

export async function markSent(tx: Tx, id: string, at: number): Promise<void> {
  await tx.db.updateTable('mailOutbox').set({ status: 'sent', sentAt: at, lastError: null }).where('id', '=', id).execute();
}

/** A failed attempt: try again at `retryAt`, or give up (`retryAt` null). */
export async function markAttemptFailed(tx: Tx, id: string, error: string, retryAt: number | null): Promise<void> {
  await tx.db
    .updateTable('mailOutbox')
    .set(retryAt === null ? { status: 'failed', lastError: error } : { lastError: error, nextAttemptAt: retryAt })
    .where('id', '=', id)
    .execute();
}

/** The earliest instant a pending row falls due, or null when none is pending. */
export async function nextMailDue(db: Db): Promise<number | null> {
  const row = await db
    .selectFrom('mailOutbox')
    .select('nextAttemptAt')
    .where('status', '=', 'pending')
    .orderBy('nextAttemptAt')
    .limit(1)
    .executeTakeFirst();
  return row ? Number(row.nextAttemptAt) : null;
}

/**
 * Embedded mode has one process: at its start no other sender can hold a claim, so an attempt
 * a crash interrupted (or one waiting out its backoff) is due at once.
 */
export async function releaseClaims(tx: Tx, now: number): Promise<void> {
  await tx.db
    .updateTable('mailOutbox')
    .set({ nextAttemptAt: now })
    .where('status', '=', 'pending')
    .where('nextAttemptAt', '>', now)
    .execute();
}
