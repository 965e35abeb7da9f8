/**
 * `kairos doctor`: checks invariants I1 (triggers equal the future boundaries of approved,
 * non-cancelled events) and I2 (stored status equals the lifecycle at now) directly on the
 * database; `fix` repairs everything in one transaction. Safe beside a running server: it reads
 * a consistent snapshot and repairs under the write lock.
 */
import { formatInstant, type LifecycleState, sameState, stateAt, type TriggerKind } from '@kairos/core';
import type { Store } from './db/store.ts';
import type { Tx } from './db/unit-of-work.ts';
import type { EventRecord, TriggerRow } from './features/events/event.record.ts';
import { allEvents } from './features/events/events.repository.ts';
import { allTriggers, deleteTriggersOf, desiredTriggers, syncTriggers } from './features/events/triggers.repository.ts';
import { appendHistory } from './features/history/history.repository.ts';
import { countsOf } from './features/registrations/registrations.repository.ts';

export type ProblemKind = 'missing_trigger' | 'stale_trigger' | 'orphan_trigger' | 'status_drift';

export interface Problem {
  kind: ProblemKind;
  eventId: string;
  trigger: TriggerKind | null;
  detail: string;
}

export interface DoctorReport {
  ok: boolean;
  checkedEvents: number;
  problems: Problem[];
  fixed: number;
}

/**
 * A stored status may lag the clock by the firing lateness just after a boundary; a drift
 * younger than this, with its trigger still pending, is a firing in progress, not a problem.
 */
const FIRING_GRACE_MS = 5_000;
const iso = formatInstant;

async function examine(db: Store['db'], now: number): Promise<{ events: EventRecord[]; problems: Problem[] }> {
  const [events, triggers] = await Promise.all([allEvents(db), allTriggers(db)]);
  const byEvent = new Map<string, TriggerRow[]>();
  for (const t of triggers) byEvent.set(t.eventId, [...(byEvent.get(t.eventId) ?? []), t]);
  const problems: Problem[] = [];
  const ids = new Set(events.map((e) => e.id));
  for (const t of triggers) {
    if (!ids.has(t.eventId)) {
      problems.push({
        kind: 'orphan_trigger',
        eventId: t.eventId,
        trigger: t.trigger,
        detail: `trigger for an event that does not exist (due ${iso(t.dueAt)})`,
      });
    }
  }
  for (const e of events) {
    const have = byEvent.get(e.id) ?? [];
    const want = desiredTriggers(e, now);
    const wanted = (t: TriggerRow) => want.some((b) => b.trigger === t.trigger && b.at === t.dueAt);
    // Due within the grace period and still a boundary of the event: the scheduler is firing it.
    const firing = (t: TriggerRow) =>
      t.dueAt <= now &&
      t.dueAt > now - FIRING_GRACE_MS &&
      desiredTriggers(e, t.dueAt - 1).some((b) => b.trigger === t.trigger && b.at === t.dueAt);
    for (const b of want) {
      if (!have.some((t) => t.trigger === b.trigger && t.dueAt === b.at)) {
        problems.push({
          kind: 'missing_trigger',
          eventId: e.id,
          trigger: b.trigger,
          detail: `no trigger for ${b.trigger} at ${iso(b.at)}`,
        });
      }
    }
    for (const t of have) {
      if (wanted(t) || firing(t)) continue;
      problems.push({
        kind: 'stale_trigger',
        eventId: e.id,
        trigger: t.trigger,
        detail: `trigger ${t.trigger} at ${iso(t.dueAt)} is not a future boundary of this ${e.status} event`,
      });
    }
    const target = stateAt(e, e.status, now);
    if (!sameState(target, e) && !have.some(firing)) {
      problems.push({
        kind: 'status_drift',
        eventId: e.id,
        trigger: null,
        detail: `stored ${e.status}/${e.phase}, dates say ${target.status}/${target.phase}`,
      });
    }
  }
  return { events, problems };
}

export async function runDoctor(store: Store, now: () => number, fix: boolean): Promise<DoctorReport> {
  // One read transaction: events and triggers from one snapshot, whatever a running server commits
  // meanwhile (a SQLite read transaction is one; PostgreSQL needs repeatable read for it).
  const first = await store.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute((trx) => examine(trx, now()));
  if (!fix || first.problems.length === 0) {
    return { ok: first.problems.length === 0, checkedEvents: first.events.length, problems: first.problems, fixed: 0 };
  }
  // Re-examine under the write lock so the repair acts on what is there now, all or nothing.
  return store.write(async (tx) => {
    const t = now();
    const { events, problems } = await examine(tx.db, t);
    await repair(tx, events, problems, t);
    return { ok: true, checkedEvents: events.length, problems, fixed: problems.length };
  });
}

async function repair(tx: Tx, events: EventRecord[], problems: Problem[], now: number): Promise<void> {
  const orphans = problems.filter((p) => p.kind === 'orphan_trigger').map((p) => p.eventId);
  for (const eventId of new Set(orphans)) await deleteTriggersOf(tx, eventId);
  const touched = new Set(problems.filter((p) => p.kind !== 'orphan_trigger').map((p) => p.eventId));
  for (const e of events) {
    if (!touched.has(e.id)) continue;
    const target: LifecycleState = stateAt(e, e.status, now);
    if (!sameState(target, e)) {
      await tx.db.updateTable('events').set({ status: target.status, phase: target.phase }).where('id', '=', e.id).execute();
      await appendHistory(
        tx,
        {
          eventId: e.id,
          ownerId: e.createdBy,
          at: now,
          cause: 'recovery',
          actor: null,
          from: { status: e.status, phase: e.phase },
          to: target,
          trigger: null,
          dueAt: null,
          lateMs: null,
          reason: 'kairos doctor --fix',
        },
        { ...e, ...target },
        await countsOf(tx.db, e.id),
      );
    }
    await syncTriggers(tx, { ...e, ...target }, now);
  }
}
