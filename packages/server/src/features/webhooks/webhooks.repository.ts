/**
 * Webhook endpoints and their deliveries in SQL. Deliveries are also an outbox table: the runner
 * (src/outbox) claims and settles them through its own generic queries; this file holds the
 * typed ones (create, list, read, retry).
 */
import type { WebhookDeliveryStatus, WebhookType } from '@kairos/core';
import type { Selectable } from 'kysely';
import type { WebhookDeliveriesTable, WebhooksTable } from '../../db/schema.ts';
import type { Db } from '../../db/unit-of-work.ts';
import type { DeliveryRecord, NewDelivery, WebhookRecord } from './webhook.record.ts';

const optNum = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toWebhook(r: Selectable<WebhooksTable>): WebhookRecord {
  return {
    ...r,
    types: JSON.parse(r.types) as WebhookType[],
    active: Number(r.active) === 1,
    createdAt: Number(r.createdAt),
    updatedAt: Number(r.updatedAt),
  };
}

function toDelivery(r: Selectable<WebhookDeliveriesTable>): DeliveryRecord {
  return {
    ...r,
    ord: Number(r.ord),
    type: r.type as WebhookType,
    seq: optNum(r.seq),
    status: r.status as WebhookDeliveryStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: optNum(r.nextAttemptAt),
    claimedUntil: optNum(r.claimedUntil),
    lastStatusCode: optNum(r.lastStatusCode),
    lastAttemptAt: optNum(r.lastAttemptAt),
    createdAt: Number(r.createdAt),
  };
}

const toRow = (w: WebhookRecord) => ({ ...w, types: JSON.stringify(w.types), active: w.active ? 1 : 0 });

export async function insertWebhook(db: Db, w: WebhookRecord): Promise<void> {
  await db.insertInto('webhooks').values(toRow(w)).execute();
}

export async function updateWebhook(db: Db, w: WebhookRecord): Promise<void> {
  const { id, ...rest } = toRow(w);
  await db.updateTable('webhooks').set(rest).where('id', '=', id).execute();
}

export async function deleteWebhook(db: Db, id: string): Promise<boolean> {
  // Deliveries go with it (foreign key, on delete cascade).
  const r = await db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function findWebhook(db: Db, id: string): Promise<WebhookRecord | undefined> {
  const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toWebhook(row);
}

/** Every endpoint, oldest first (an admin has a handful). */
export async function listWebhooks(db: Db): Promise<WebhookRecord[]> {
  return (await db.selectFrom('webhooks').selectAll().orderBy('createdAt').orderBy('id').execute()).map(toWebhook);
}

/** The endpoints a write must report to: read inside the write's transaction. */
export async function activeWebhooks(db: Db): Promise<WebhookRecord[]> {
  return (await db.selectFrom('webhooks').selectAll().where('active', '=', 1).orderBy('id').execute()).map(toWebhook);
}

/** Insert in the given order: `ord` follows it, and attempts to one endpoint start in that order. */
export async function insertDeliveries(db: Db, rows: readonly NewDelivery[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('webhookDeliveries')
    .values(rows.map((r) => ({ ...r, status: 'pending', attempts: 0, nextAttemptAt: r.createdAt })))
    .execute();
}

/** Newest first, after the cursor's `ord`. */
export async function listDeliveries(
  db: Db,
  webhookId: string,
  beforeOrd: number | null,
  limit: number,
): Promise<DeliveryRecord[]> {
  let q = db.selectFrom('webhookDeliveries').selectAll().where('webhookId', '=', webhookId);
  if (beforeOrd !== null) q = q.where('ord', '<', beforeOrd);
  return (await q.orderBy('ord', 'desc').limit(limit).execute()).map(toDelivery);
}

export async function findDelivery(db: Db, webhookId: string, id: string): Promise<DeliveryRecord | undefined> {
  const row = await db
    .selectFrom('webhookDeliveries')
    .selectAll()
    .where('webhookId', '=', webhookId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toDelivery(row);
}

/** Due now, whatever its status; an attempt in flight keeps its claim (the caller refused those). */
export async function retryDelivery(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('webhookDeliveries').set({ status: 'pending', nextAttemptAt: now }).where('id', '=', id).execute();
}

/** A delivery's endpoint as the sender needs it (null: the endpoint was deleted meanwhile). */
export async function webhookOfDelivery(
  db: Db,
  webhookId: string,
): Promise<Pick<WebhookRecord, 'url' | 'secret' | 'active'> | null> {
  const row = await db.selectFrom('webhooks').select(['url', 'secret', 'active']).where('id', '=', webhookId).executeTakeFirst();
  return row ? { url: row.url, secret: row.secret, active: Number(row.active) === 1 } : null;
}
