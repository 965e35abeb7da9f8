/**
 * The outbox runner's SQL, over any table that has the outbox columns (see runner.ts). Table and
 * column names come from a `Channel` in camelCase (the CamelCasePlugin maps them), so the
 * queries are built untyped; each channel's own repository keeps its typed queries.
 *
 * Every function that changes rows runs inside a `Store.write` that excludes the other runners'
 * (SQLite: one writer; PostgreSQL: the `outbox` advisory lock, db/postgres.ts). A claim reads
 * which partitions are free and marks rows in that one transaction, so two instances can never
 * claim the same row or start two attempts of one partition.
 *
 * Where writes overlap, `order` values are taken in one order and committed in another; a
 * channel that names `orderedBy` (the sequence behind `order`) claims only rows whose `order` is
 * within the store's `settled` bound for it (`bound` here): no row with a lower `order` can still
 * commit, so a partition's attempts still start in order.
 */
import { type Kysely, sql } from 'kysely';
import type { Db } from '../db/unit-of-work.ts';

/** The columns every outbox table has (camelCase), plus whatever the channel keeps beside them. */
export interface OutboxRow {
  id: string;
  status: string;
  attempts: number;
  nextAttemptAt: number | null;
  claimedUntil: number | null;
  [column: string]: unknown;
}

/** Where a channel's rows live and which of them must go one at a time, in order. */
export interface OutboxTable {
  /** Table name (camelCase or a plain word). */
  table: string;
  /** Rows with the same value here are attempted one at a time, in `order`; `id` when absent. */
  partition?: string;
  /** Ascending = the order attempts start in (within a partition). */
  order: string;
  /** Ties in `order` go by this column. */
  tieBreak?: string;
  /** The PostgreSQL sequence that numbers `order`, when its order matters across writes. */
  orderedBy?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: the outbox tables are named at run time by the channel
const untyped = (db: Db): Kysely<any> => db as unknown as Kysely<any>;

/**
 * Rows that may be claimed now: pending, due, and first in a partition where no row is claimed
 * (an attempt in flight, here or on another instance, holds its partition).
 */
function claimable(db: Db, t: OutboxTable, now: number, bound: number) {
  const part = t.partition ?? 'id';
  const q = untyped(db);
  const ranked = q
    .selectFrom(`${t.table} as t`)
    .select((eb) => [
      't.id',
      `t.${t.order} as ord`,
      `t.${t.tieBreak ?? t.order} as tie`,
      eb.fn
        .agg<number>('row_number')
        .over((ob) =>
          ob
            .partitionBy(`t.${part}`)
            .orderBy(`t.${t.order}`)
            .orderBy(`t.${t.tieBreak ?? t.order}`),
        )
        .as('rn'),
    ])
    .where('t.status', '=', 'pending')
    .where('t.nextAttemptAt', '<=', now)
    .$if(Number.isFinite(bound), (q) => q.where(`t.${t.order}`, '<=', bound))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom(`${t.table} as b`).select('b.id').whereRef(`b.${part}`, '=', `t.${part}`).where('b.claimedUntil', '>', now),
        ),
      ),
    );
  return q.selectFrom(ranked.as('d')).select('d.id').where('d.rn', '=', 1).orderBy('d.ord').orderBy('d.tie');
}

/** Is anything claimable now? (A read outside any transaction, so an idle instance writes nothing.) */
export async function anyClaimable(db: Db, t: OutboxTable, now: number, bound: number): Promise<boolean> {
  return (await claimable(db, t, now, bound).limit(1).executeTakeFirst()) !== undefined;
}

/** Claim up to `limit` rows until `leaseUntil`, counting the attempt; answers them in `order`. */
export async function claim(
  db: Db,
  t: OutboxTable,
  now: number,
  bound: number,
  limit: number,
  leaseUntil: number,
): Promise<OutboxRow[]> {
  const ids = (await claimable(db, t, now, bound).limit(limit).execute()).map((r) => String(r.id));
  return mark(db, t, ids, leaseUntil);
}

/**
 * Claim the next due row of one partition (none of whose rows may be claimed). Cheap however
 * long the backlog: with an index on (partition, order) over pending rows it reads from the front.
 */
export async function claimNextIn(
  db: Db,
  t: OutboxTable,
  partition: unknown,
  now: number,
  bound: number,
  leaseUntil: number,
): Promise<OutboxRow[]> {
  const part = t.partition ?? 'id';
  const q = untyped(db);
  const busy = await q
    .selectFrom(t.table)
    .select('id')
    .where(part, '=', partition)
    .where('claimedUntil', '>', now)
    .executeTakeFirst();
  if (busy) return [];
  const next = await q
    .selectFrom(t.table)
    .select('id')
    .where(part, '=', partition)
    // A literal, not a parameter: SQLite uses a partial index only when the query's own text implies its condition.
    .where('status', '=', sql.lit('pending'))
    .where('nextAttemptAt', '<=', now)
    .$if(Number.isFinite(bound), (q) => q.where(t.order, '<=', bound))
    .orderBy(t.order)
    .$if(t.tieBreak !== undefined, (q) => q.orderBy(t.tieBreak as string))
    .limit(1)
    .executeTakeFirst();
  return next ? mark(db, t, [String(next.id)], leaseUntil) : [];
}

async function mark(db: Db, t: OutboxTable, ids: readonly string[], leaseUntil: number): Promise<OutboxRow[]> {
  if (ids.length === 0) return [];
  const rows = (await untyped(db)
    .updateTable(t.table)
    .set((eb) => ({ claimedUntil: leaseUntil, attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', ids)
    .returningAll()
    .execute()) as OutboxRow[];
  const rank = new Map(ids.map((id, i) => [id, i]));
  return rows
    .map((r) => ({ ...r, attempts: Number(r.attempts), nextAttemptAt: num(r.nextAttemptAt), claimedUntil: num(r.claimedUntil) }))
    .sort((a, b) => (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0));
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Record an attempt's outcome, only if the claim is still ours (`claimedUntil` unchanged): when
 * a lease ran out and another instance took the row, the late result is dropped.
 */
export async function settle(
  db: Db,
  t: OutboxTable,
  id: string,
  lease: number,
  values: { status: string; nextAttemptAt: number | null; lastError: string | null } & Record<string, unknown>,
): Promise<boolean> {
  const r = await untyped(db)
    .updateTable(t.table)
    .set({ ...values, claimedUntil: null })
    .where('id', '=', id)
    .where('claimedUntil', '=', lease)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Give claims back without an outcome (shutdown mid-attempt): the rows are due again at once. */
export async function release(db: Db, t: OutboxTable, claims: ReadonlyArray<{ id: string; lease: number }>): Promise<void> {
  for (const c of claims) {
    await untyped(db)
      .updateTable(t.table)
      .set({ claimedUntil: null })
      .where('id', '=', c.id)
      .where('claimedUntil', '=', c.lease)
      .execute();
  }
}

/** Drop every claim: only for a process that is the sole runner (embedded SQLite), at start. */
export async function releaseAll(db: Db, t: OutboxTable): Promise<void> {
  await untyped(db).updateTable(t.table).set({ claimedUntil: null }).where('claimedUntil', 'is not', null).execute();
}

/**
 * When to look again: the earliest due instant of a row in a free partition, or the earliest
 * end of a lease (another instance's attempt that may have died). Null: nothing pending.
 */
export async function nextWake(db: Db, t: OutboxTable, now: number): Promise<number | null> {
  const part = t.partition ?? 'id';
  const q = untyped(db);
  const due = await q
    .selectFrom(`${t.table} as t`)
    .select((eb) => eb.fn.min('t.nextAttemptAt').as('at'))
    .where('t.status', '=', 'pending')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom(`${t.table} as b`).select('b.id').whereRef(`b.${part}`, '=', `t.${part}`).where('b.claimedUntil', '>', now),
        ),
      ),
    )
    .executeTakeFirst();
  const lease = await q
    .selectFrom(t.table)
    .select((eb) => eb.fn.min('claimedUntil').as('at'))
    .where('claimedUntil', 'is not', null)
    .executeTakeFirst();
  const times = [num(due?.at), num(lease?.at)].filter((v): v is number => v !== null);
  return times.length === 0 ? null : Math.min(...times);
}
