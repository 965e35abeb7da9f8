/**
 * The mail outbox in SQL. Rows are written in the transaction of their cause, once per
 * (registration, kind, cause key) — a second write of the same mail is a no-op, which is what
 * makes a replayed cause harmless. Attempts are the outbox runner's (src/outbox/runner.ts).
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
    nextAttemptAt: optNum(r.nextAttemptAt),
    claimedUntil: optNum(r.claimedUntil),
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
