/**
 * Firing is an idempotent reconciliation, not the execution of a queued command, and it works
 * in batches: in one transaction, take the batch's trigger rows (one compare-and-delete
 * statement: a row an edit replaced or another firing took is not there), read their events,
 * compute the state the dates give at each trigger's own instant, compare-and-set the stored
 * states and append the transitions. A trigger fired twice, late, or after an edit can therefore
 * never record a wrong or duplicate transition (I3). Both schedulers call this.
 *
 * A batch is a handful of statements whatever its size — delete…returning, one read of the
 * events, one grouped count of registrations, one UPDATE per distinct (from, to) move, one
 * multi-row INSERT into history — because per-statement cost (Kysely compiling, better-sqlite3
 * preparing) dominated the one-transaction-per-trigger firing it replaces.
 */
import { NO_REGISTRATIONS, type TriggerKind } from '@kairos/core';
import type { Clock } from '../clock.ts';
import type { Store } from '../db/store.ts';
import type { Tx } from '../db/unit-of-work.ts';
import type { EventRecord } from '../features/events/event.record.ts';
import { findEvents, setStatesIf } from '../features/events/events.repository.ts';
import { type DuePosition, type DueTake, takeDueTriggers, takeEventTriggers } from '../features/events/triggers.repository.ts';
import { appendHistoryBatch } from '../features/history/history.repository.ts';
import { expireWaitlist, registrationCounts } from '../features/registrations/registrations.repository.ts';
import { type BatchPlan, type FireCause, type Firing, planBatch } from './plan.ts';

export type { FireCause, Firing } from './plan.ts';

/** Which pending triggers a batch takes. */
export type BatchSelection =
  | { kind: 'due'; upTo: number; limit: number; after?: DuePosition }
  | { kind: 'event'; eventId: string; upTo: number };

export interface FiredBatch {
  /** The clock when the batch fired: every firing's `at`. */
  at: number;
  /** Every trigger taken, in due order; `changed` tells which recorded a transition. */
  firings: Firing[];
  /** A `due` selection: where its scan ended, for the next batch to go on from. */
  reached: DuePosition | null;
}

/** Fire the selected triggers in one transaction; an empty batch when none was pending. */
export function fireBatch(
  store: Store,
  selection: BatchSelection,
  clock: Clock,
  causeOf: (dueAt: number) => FireCause,
): Promise<FiredBatch> {
  return store.write(async (tx) => {
    const { rows, reached } = await take(tx, selection);
    const at = clock.now();
    if (rows.length === 0) return { at, firings: [], reached };
    const events = await findEvents(
      tx.db,
      rows.map((r) => r.eventId),
    );
    const plan = planBatch(rows, events, at, causeOf);
    await record(tx, plan, at);
    return { at, firings: plan.firings, reached };
  });
}

async function take(tx: Tx, s: BatchSelection): Promise<DueTake> {
  if (s.kind === 'due') return takeDueTriggers(tx, s.upTo, s.limit, s.after);
  return { rows: await takeEventTriggers(tx, s.eventId, s.upTo), reached: null };
}

async function record(tx: Tx, plan: BatchPlan, at: number): Promise<void> {
  const ids = new Set([...plan.transitions.map((t) => t.event.id), ...plan.closings.map((e) => e.id)]);
  let counts = await registrationCounts(tx.db, [...ids]);
  // SPEC §11: the waitlist expires at registration close. Only events that have one cost a
  // statement; their counts are read again after.
  const expiring = plan.closings.filter((e) => (counts.get(e.id)?.waitlisted ?? 0) > 0);
  if (expiring.length > 0) {
    for (const e of expiring) await expireWaitlist(tx, e.id, e.createdBy, at);
    counts = await registrationCounts(tx.db, [...ids]);
  }
  for (const r of plan.reminders) tx.effects.reminders.push({ eventId: r.eventId, dueAt: r.dueAt });
  await moveStates(tx, plan.moves);
  const current = new Map<string, EventRecord>();
  await appendHistoryBatch(
    tx,
    plan.transitions.map((t) => {
      // Each message carries the event as it read right after its own transition.
      const event = { ...(current.get(t.event.id) ?? t.event), ...t.to };
      current.set(event.id, event);
      return {
        entry: {
          eventId: t.event.id,
          ownerId: t.event.createdBy,
          at,
          cause: t.cause,
          actor: null,
          from: t.from,
          to: t.to,
          // planBatch never makes a transition of a reminder row: this is a lifecycle boundary.
          trigger: t.trigger.trigger as TriggerKind,
          dueAt: t.trigger.dueAt,
          lateMs: at - t.trigger.dueAt,
          reason: null,
        },
        event,
        counts: counts.get(t.event.id) ?? NO_REGISTRATIONS,
      };
    }),
  );
}

/** One compare-and-set UPDATE per distinct (from, to) pair: a burst of starts is one statement. */
async function moveStates(tx: Tx, moves: BatchPlan['moves']): Promise<void> {
  const groups = new Map<string, { from: EventRecord; to: BatchPlan['moves'][number]['to']; ids: string[] }>();
  for (const m of moves) {
    const key = `${m.event.status}/${m.event.phase}>${m.to.status}/${m.to.phase}`;
    const group = groups.get(key) ?? { from: m.event, to: m.to, ids: [] };
    group.ids.push(m.event.id);
    groups.set(key, group);
  }
  for (const g of groups.values()) {
    const moved = await setStatesIf(tx, g.ids, g.from, g.to);
    // No other write of these events runs (SQLite: one writer; PostgreSQL: their rows are
    // claimed) and they were read in this transaction, so all must move; if not, roll the whole
    // batch back (its triggers stay pending) rather than record a transition that did not happen.
    if (moved !== g.ids.length) throw new Error(`batch firing: ${g.ids.length - moved} event(s) changed during the batch`);
  }
}
