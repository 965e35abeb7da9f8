/**
 * Pending triggers: the rows that make invariant I1 hold. Only `syncTriggers` writes them, and
 * only the events repository calls it, inside the transaction that writes the event. Every
 * change is mirrored to the dialect's job queue (`tx.jobs`) in the same transaction.
 */
import {
  type Boundary,
  type EventDates,
  isScheduled,
  pendingTriggers,
  REMINDER,
  type ReminderDates,
  reminderDueAt,
  type ScheduleKind,
  type Status,
} from '@kairos/core';
import { type QueryCreator, sql } from 'kysely';
import { type Prepared, prepare } from '../../db/compiled.ts';
import { isSqlite } from '../../db/dialect.ts';
import type { Database } from '../../db/schema.ts';
import { type Db, type Tx, triggersInserted } from '../../db/unit-of-work.ts';
import type { HistoryRecord } from '../history/history.record.ts';
import { ENTRY_SEQ, type EntryParams, entryParams, withEntry, writeWithEntry } from '../history/history.repository.ts';
import { EVENT_COLUMNS, type EventRecord, type TriggerRow } from './event.record.ts';

const toRow = (r: { eventId: string; trigger: string; dueAt: number | bigint | string }): TriggerRow => ({
  eventId: r.eventId,
  trigger: r.trigger as ScheduleKind,
  dueAt: Number(r.dueAt),
});

/** The triggers an event must have now: its future boundaries, if it runs on the clock. */
export function desiredTriggers(event: EventDates & { status: string }, now: number): Boundary[] {
  return isScheduled(event.status as Status) ? pendingTriggers(event, now) : [];
}

/**
 * The trigger rows of an event inserted in this transaction (it has none yet, nor a reminder):
 * `insertEvent` writes them with the event's own insert, then calls `triggersAdded`.
 */
export function newTriggerRows(tx: Tx, event: EventDates & { id: string; status: string }, now: number): TriggerRow[] {
  tx.reminders.set(event.id, null);
  return desiredTriggers(event, now).map((b) => ({ eventId: event.id, trigger: b.trigger, dueAt: b.at }));
}

/** Trigger rows were just inserted or re-timed: their jobs, and the effects that wake the schedulers. */
export async function triggersAdded(tx: Tx, rows: TriggerRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.jobs.scheduled(tx.db, rows);
  triggersInserted(
    tx.effects,
    rows.map((r) => r.dueAt),
  );
}

/** The event's row, each column bound to its parameter (a prepared statement's slots). */
export function eventRow(p: Partial<EventRecord>): EventRecord {
  return Object.fromEntries(EVENT_COLUMNS.map((c) => [c, p[c]])) as unknown as EventRecord;
}

/** Shape bits of the statements that write an event (`prepare`'s shape; the row count above them). */
export const WITH_EVENT = 1;
export const WITH_ENTRY = 2;

/** Trigger rows as parameters: `t<i>` and `d<i>`, the i-th row's boundary and instant. */
export type TriggerParams = { id: string } & Partial<EventRecord> & Record<`t${number}` | `d${number}`, string | number>;

export function triggerParams(event: { id: string }, rows: readonly TriggerRow[]): TriggerParams {
  const params: Record<string, unknown> = { ...event };
  rows.forEach((r, i) => {
    params[`t${i}`] = r.trigger;
    params[`d${i}`] = r.dueAt;
  });
  return params as TriggerParams;
}

/** The `n` trigger rows of `triggerParams`, each bound to its parameters. */
export function triggerValues(p: TriggerParams, n: number): TriggerRow[] {
  return Array.from({ length: n }, (_, i) => ({
    eventId: p.id,
    trigger: p[`t${i}`] as ScheduleKind,
    dueAt: p[`d${i}`] as number,
  }));
}

const updateEventRow = (db: QueryCreator<Database>, p: Partial<EventRecord> & { id: string }) => {
  const { id: _, ...columns } = eventRow(p);
  return db.updateTable('events').set(columns).where('id', '=', p.id);
};

/** An edit's write of its event's row, and the history entry to write in the same statement where it can (PostgreSQL). */
export interface EventWrite {
  row: EventRecord;
  /**
   * The history entry of the edit, to write in the same statement (PostgreSQL); its `seq` is set
   * once that statement ran — with the write's COMMIT where the transaction holds statements back
   * (`Tx.hold`): the statement is the edit's last, and travels with the COMMIT.
   */
  entry?: HistoryRecord | undefined;
}

type WriteParams = TriggerParams & Partial<EntryParams>;

/** The event's row, all columns but `id`; with `WITH_ENTRY`, the entry's insert as a CTE (answers its `seq`). */
const writeEventRow = prepare((db, p: EventRecord & Partial<EntryParams>, shape) =>
  shape & WITH_ENTRY ? updateEventRow(withEntry(db, p as EntryParams), p).returning(ENTRY_SEQ) : updateEventRow(db, p),
);

/**
 * Upsert `shape >> 2` trigger rows of event `id`. With `WITH_EVENT`, the event's own row is
 * updated by a data-modifying CTE of the same statement, and with `WITH_ENTRY` the history entry
 * inserted by another (PostgreSQL: two round trips fewer per edit of the dates).
 */
const upsertTriggers = prepare((db, p: WriteParams, shape) => {
  const rows = triggerValues(p, shape >> 2);
  const withEvent = shape & WITH_EVENT ? db.with('event', () => updateEventRow(db, p).returning('id')) : db;
  const into = shape & WITH_ENTRY ? withEntry(withEvent as QueryCreator<Database>, p as EntryParams) : withEvent;
  const upsert = (into as QueryCreator<Database>)
    .insertInto('triggers')
    .values(rows)
    .onConflict((oc) => oc.columns(['eventId', 'trigger']).doUpdateSet({ dueAt: (eb) => eb.ref('excluded.dueAt') }));
  return shape & WITH_ENTRY ? upsert.returning(ENTRY_SEQ) : upsert;
});

/**
 * Make the event's trigger rows equal `desiredTriggers`; touches only rows that differ. `along`,
 * the event as it is to be written, is written with them: on PostgreSQL by a data-modifying CTE
 * of the trigger upsert when there is one (one round trip fewer per edit of the dates), else on
 * its own; and its history entry, if it has one, by another CTE of that statement. Answers whether it wrote
 * the entry (false: the caller must; SQLite's CTEs cannot write).
 */
export async function syncTriggers(
  tx: Tx,
  event: EventDates & { id: string; status: string },
  now: number,
  along?: EventWrite,
): Promise<boolean> {
  const want = desiredTriggers(event, now);
  const rows =
    tx.triggers.get(event.id) ??
    (await tx.db.selectFrom('triggers').select(['trigger', 'dueAt']).where('eventId', '=', event.id).execute());
  tx.triggers.delete(event.id);
  // The reminder row follows the attendees as well as the dates: syncReminder owns it, and is
  // told what this read found.
  const reminder = rows.find((r) => r.trigger === REMINDER);
  tx.reminders.set(event.id, reminder ? Number(reminder.dueAt) : null);
  const have = rows.filter((r) => r.trigger !== REMINDER);
  const wantKey = new Set(want.map((b) => `${b.trigger}@${b.at}`));
  const haveKey = new Set(have.map((r) => `${r.trigger}@${Number(r.dueAt)}`));
  const stale = have.filter((r) => !wantKey.has(`${r.trigger}@${Number(r.dueAt)}`));
  const missing = want.filter((b) => !haveKey.has(`${b.trigger}@${b.at}`));
  // A moved boundary is re-timed by the upsert below; only a boundary the event no longer has is deleted.
  const gone = stale.filter((r) => !missing.some((b) => b.trigger === r.trigger)).map((r) => r.trigger);
  if (gone.length > 0) await tx.db.deleteFrom('triggers').where('eventId', '=', event.id).where('trigger', 'in', gone).execute();
  if (stale.length > 0) {
    await tx.jobs.removed(
      tx.db,
      stale.map((r) => toRow({ ...r, eventId: event.id })),
    );
  }
  if (stale.length > 0) tx.effects.triggersChanged = true;
  const ctes = along !== undefined && !isSqlite(tx.db);
  const entry = ctes ? along.entry : undefined;
  const withEntry = entry ? WITH_ENTRY : 0;
  const write = async <P>(query: Prepared<P, unknown>, params: P, shape: number): Promise<void> => {
    if (entry) await writeWithEntry(tx, query, params, shape, entry);
    else await query.execute(tx.db, params, shape);
  };
  const entryColumns = entry ? entryParams(entry) : {};
  if (missing.length > 0) {
    const rows = missing.map((b) => ({ eventId: event.id, trigger: b.trigger, dueAt: b.at }));
    if (along !== undefined && !ctes) await writeEventRow.execute(tx.db, along.row);
    const params = { ...triggerParams(ctes ? along.row : event, rows), ...entryColumns };
    await write(upsertTriggers, params, rows.length * 4 + (ctes ? WITH_EVENT : 0) + withEntry);
    await triggersAdded(tx, rows);
  } else if (along !== undefined) await write(writeEventRow, { ...along.row, ...entryColumns }, withEntry);
  return entry !== undefined;
}

/**
 * Make the event's reminder row equal `reminderDueAt` (SPEC §14): it depends on the confirmed
 * attendees as well as the dates, so it is re-derived after every user write that touches the
 * event or its registrations (reminderConsequence), in that write's transaction.
 */
export async function syncReminder(tx: Tx, event: ReminderDates & { id: string }, confirmed: number, now: number): Promise<void> {
  const want = reminderDueAt(event, confirmed, now);
  const haveAt = tx.reminders.has(event.id) ? (tx.reminders.get(event.id) ?? null) : await reminderOf(tx, event.id);
  tx.reminders.set(event.id, want);
  tx.triggers.delete(event.id);
  if (haveAt === want) return;
  if (haveAt !== null) {
    await tx.db.deleteFrom('triggers').where('eventId', '=', event.id).where('trigger', '=', REMINDER).execute();
    // Its job goes too; a moved reminder's new row gets its own below.
    await tx.jobs.removed(tx.db, [{ eventId: event.id, trigger: REMINDER, dueAt: haveAt }]);
  }
  if (want !== null) {
    const row: TriggerRow = { eventId: event.id, trigger: REMINDER, dueAt: want };
    await tx.db.insertInto('triggers').values(row).execute();
    await tx.jobs.scheduled(tx.db, [row]);
    triggersInserted(tx.effects, [want]);
  }
  tx.effects.triggersChanged = true;
}

async function reminderOf(tx: Tx, eventId: string): Promise<number | null> {
  const row = await tx.db
    .selectFrom('triggers')
    .select('dueAt')
    .where('eventId', '=', eventId)
    .where('trigger', '=', REMINDER)
    .executeTakeFirst();
  return row === undefined ? null : Number(row.dueAt);
}

export async function deleteTriggersOf(tx: Tx, eventId: string): Promise<void> {
  tx.reminders.set(eventId, null);
  tx.triggers.delete(eventId);
  const gone = await tx.db
    .deleteFrom('triggers')
    .where('eventId', '=', eventId)
    .returning(['eventId', 'trigger', 'dueAt'])
    .execute();
  if (gone.length === 0) return;
  await tx.jobs.removed(tx.db, gone.map(toRow));
  tx.effects.triggersChanged = true;
}

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

/** Above this many, PostgreSQL answers its planner's estimate instead of counting (see countTriggers). */
const EXACT_COUNT_MAX = 10_000;

/**
 * How many triggers are pending, without scanning the table per request (`GET /scheduler`,
 * `kairos_triggers_queued`). SQLite: the `trigger_count` row that SQL triggers keep (one row read;
 * `count(*)` took 100 ms at 1M events). PostgreSQL: exact up to 10 000 (an index walk bounded by
 * the limit), beyond that the table statistics' estimate, kept fresh by autovacuum — a counter row
 * there would serialise every instance's trigger writes on one row lock.
 */
export async function countTriggers(db: Db): Promise<number> {
  if (isSqlite(db)) {
    const row = await sql<{ n: number }>`select n from trigger_count where id = 1`.execute(db);
    return Number(row.rows[0]?.n ?? 0);
  }
  const bounded = await sql<{
    n: string;
  }>`select count(*) as n from (select 1 from triggers limit ${EXACT_COUNT_MAX + 1}) t`.execute(db);
  const n = Number(bounded.rows[0]?.n ?? 0);
  if (n <= EXACT_COUNT_MAX) return n;
  const est = await sql<{ n: string }>`select reltuples::bigint as n from pg_class where oid = 'triggers'::regclass`.execute(db);
  const estimate = Number(est.rows[0]?.n ?? -1);
  return estimate > EXACT_COUNT_MAX ? estimate : n;
}

export async function allTriggers(db: Db): Promise<TriggerRow[]> {
  const rows = await db.selectFrom('triggers').select(['eventId', 'trigger', 'dueAt']).execute();
  return rows.map(toRow);
}

/** A place in the due triggers' order, (due, event): where a batch's scan ended. */
export interface DuePosition {
  dueAt: number;
  eventId: string;
}

/** What a batch took, and where its scan ended (null: it took nothing). */
export interface DueTake {
  rows: TriggerRow[];
  reached: DuePosition | null;
}

/**
 * The firing's compare-and-delete for a whole batch, inside the transaction that records it:
 * delete up to `limit` pending triggers due at or before `upTo`, earliest first, and return what
 * was deleted. A row an edit replaced or another firing took is simply not there (I3). `after`
 * matters only where firings overlap (below): SQLite has one lane, and its deleted rows are gone
 * at once, so scanning from the earliest costs nothing there.
 */
export async function takeDueTriggers(tx: Tx, upTo: number, limit: number, after?: DuePosition): Promise<DueTake> {
  if (tx.rowLocks) return claimDueTriggers(tx, upTo, limit, after);
  const rows = await tx.db
    .deleteFrom('triggers')
    .where(({ eb, refTuple, selectFrom }) =>
      eb(
        refTuple('eventId', 'trigger'),
        'in',
        selectFrom('triggers')
          .select(['eventId', 'trigger'])
          .where('dueAt', '<=', upTo)
          .orderBy('dueAt')
          .orderBy('eventId')
          .limit(limit)
          .$asTuple('eventId', 'trigger'),
      ),
    )
    .returning(['eventId', 'trigger', 'dueAt'])
    .execute();
  const sorted = rows.map(toRow).sort(byDue);
  const last = sorted.at(-1);
  return { rows: await taken(tx, sorted), reached: last ? { dueAt: last.dueAt, eventId: last.eventId } : null };
}

const byDue = (a: TriggerRow, b: TriggerRow) => a.dueAt - b.dueAt || (a.eventId < b.eventId ? -1 : 1);

/**
 * The same where writes overlap (PostgreSQL): claim the events of the earliest due triggers
 * `FOR UPDATE SKIP LOCKED`, then take every due trigger of the claimed events. Instances firing a
 * burst together take disjoint batches instead of queueing on the same rows; an event being
 * edited (or fired elsewhere) is skipped now and taken by a later pass, with its edit applied;
 * and all of an event's due triggers go in one batch, so its phases are recorded in order.
 *
 * A lane's next batch scans on from where its last one ended (`after`) instead of from the
 * earliest due trigger: scanning from the start, every claim stepped again over the rows other
 * lanes had locked or deleted (dead until vacuumed), and in a 10 000-start burst on three
 * instances claims were the largest database cost (33 claims, 791 ms). What a lane passed over
 * and did not take (a locked event whose writer rolled back) is taken by the loop's next pass,
 * which starts from the earliest again.
 */
async function claimDueTriggers(tx: Tx, upTo: number, limit: number, after?: DuePosition): Promise<DueTake> {
  const from = after ? sql`and (t.due_at, t.event_id) > (${after.dueAt}, ${after.eventId})` : sql``;
  const claimed = await sql<{ id: string; dueAt: number }>`select t.event_id as id, t.due_at from triggers t
    join events e on e.id = t.event_id where t.due_at <= ${upTo} ${from}
    order by t.due_at, t.event_id limit ${limit} for update of e skip locked`.execute(tx.db);
  const last = claimed.rows.at(-1);
  const ids = [...new Set(claimed.rows.map((r) => r.id))];
  if (!last) return { rows: [], reached: null };
  const rows = await tx.db
    .deleteFrom('triggers')
    .where('eventId', 'in', ids)
    .where('dueAt', '<=', upTo)
    .returning(['eventId', 'trigger', 'dueAt'])
    .execute();
  return { rows: await taken(tx, rows.map(toRow).sort(byDue)), reached: { dueAt: Number(last.dueAt), eventId: last.id } };
}

/** The same for one event's triggers due at or before `upTo` (a cluster job fires its event's). */
export async function takeEventTriggers(tx: Tx, eventId: string, upTo: number): Promise<TriggerRow[]> {
  // Wait for a write of this event (or a firing elsewhere) to end; then take what is still there.
  if (tx.rowLocks) await tx.db.selectFrom('events').select('id').where('id', '=', eventId).forUpdate().execute();
  const rows = await tx.db
    .deleteFrom('triggers')
    .where('eventId', '=', eventId)
    .where('dueAt', '<=', upTo)
    .returning(['eventId', 'trigger', 'dueAt'])
    .execute();
  return taken(tx, rows.map(toRow));
}

async function taken(tx: Tx, rows: TriggerRow[]): Promise<TriggerRow[]> {
  if (rows.length === 0) return rows;
  for (const r of rows) {
    tx.triggers.delete(r.eventId);
    if (r.trigger === REMINDER) tx.reminders.set(r.eventId, null);
  }
  // Their jobs (cluster mode), unless one is the job running this very firing, have nothing left to do.
  await tx.jobs.removed(tx.db, rows);
  tx.effects.triggersChanged = true;
  return rows;
}
