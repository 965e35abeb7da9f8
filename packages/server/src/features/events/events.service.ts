/**
 * Use cases on events. Each write is one transaction: the event row, its triggers (derived by
 * the repository) and its history entry commit together or not at all.
 */
import { randomBytes } from 'node:crypto';
import {
  allows,
  canCancel,
  canCreate,
  canDelete,
  canEdit,
  canRead,
  canReview,
  canSubmit,
  type EditPlan,
  type EventCreateBody,
  type EventFields,
  type EventPatchBody,
  type HistoryCause,
  KairosError,
  type LifecycleState,
  NO_REGISTRATIONS,
  PUBLIC_STATUSES,
  planEdit,
  type RegistrationCounts,
  resolveEventFields,
  type Status,
  stateAt,
  type Viewer,
} from '@kairos/core';
import type { Clock } from '../../clock.ts';
import type { Store, WriteOptions } from '../../db/store.ts';
import type { Tx } from '../../db/unit-of-work.ts';
import { sessionCheckOf } from '../auth/session-check.ts';
import type { HistoryRecord } from '../history/history.record.ts';
import { appendHistory, entryWritten, firstEntryOf, historyOf } from '../history/history.repository.ts';
import { registrationCounts, settleWaitlist } from '../registrations/registrations.repository.ts';
import type { EventRecord } from './event.record.ts';
import { versionFromEtag } from './event.view.ts';
import {
  deleteEvent,
  editReadStatement,
  findEvent,
  findEventToEdit,
  findEventWithCounts,
  insertEvent,
  type ListFilter,
  listEvents,
  updateEvent,
} from './events.repository.ts';

export interface EventsDeps {
  store: Store;
  clock: Clock;
  defaultTimezone: string;
}

/** What a caller asks of the list; the service adds who may see what. */
export type ListQuery = Omit<ListFilter, 'visibleStatuses' | 'ownerId'>;

export interface Precondition {
  ifMatch?: string | undefined;
  version?: number | undefined;
}

const notFound = () => new KairosError('not_found', 'event not found');
const forbidden = (what: string) => new KairosError('forbidden', `you may not ${what} this event`);
const invalidState = (action: string, status: Status) =>
  new KairosError('invalid_state', `cannot ${action} an event whose status is ${status}`);
const userId = (v: Viewer): string | null => (v.role === 'public' ? null : v.userId);
/** Every write needs a session: the public get 401 before any lookup or permission check. */
function signedIn(v: Viewer): void {
  if (v.role === 'public') throw new KairosError('unauthenticated', 'sign in first');
}

export const newEventId = (): string => `ev_${randomBytes(12).toString('base64url')}`;

/** A new event as created at `now`: its state that instant's (approved ones), version 1. */
export function newEventRecord(
  fields: EventFields,
  status: Status,
  createdBy: string,
  now: number,
  id = newEventId(),
): EventRecord {
  return { id, ...fields, ...stateAt(fields, status, now), version: 1, createdBy, createdAt: now, updatedAt: now };
}

export class EventsService {
  constructor(private readonly deps: EventsDeps) {}

  async create(viewer: Viewer, body: EventCreateBody): Promise<EventRecord> {
    signedIn(viewer);
    if (viewer.role === 'public' || !canCreate(viewer)) throw forbidden('create');
    const fields = resolveEventFields(body, null, this.deps.defaultTimezone);
    const status: Status = body.draft ? 'draft' : viewer.role === 'admin' ? 'upcoming' : 'pending_approval';
    return this.deps.store.write(
      async (tx) => {
        const now = this.deps.clock.now();
        const event = newEventRecord(fields, status, viewer.userId, now);
        await this.insertCreated(tx, event, viewer, now);
        return event;
      },
      { session: sessionCheckOf(viewer) },
    );
  }

  /**
   * The create path's write, for callers that resolved the fields and own the transaction (the
   * import): the row, its triggers and its `create` history entry, in `tx`.
   */
  async insertCreated(tx: Tx, event: EventRecord, viewer: Viewer, now: number, reason?: string): Promise<void> {
    const entry = entryOf(event, 'create', viewer, null, now, reason);
    await record(tx, entry, event, NO_REGISTRATIONS, await insertEvent(tx, event, now, entry));
  }

  async get(viewer: Viewer, id: string): Promise<EventRecord> {
    const event = await findEvent(this.deps.store.db, id);
    if (!event || !canRead(viewer, event)) throw notFound();
    return event;
  }

  async list(viewer: Viewer, query: ListQuery): Promise<EventRecord[]> {
    const filter: ListFilter = {
      ...query,
      visibleStatuses: viewer.role === 'admin' ? null : PUBLIC_STATUSES,
      ownerId: userId(viewer),
    };
    return listEvents(this.deps.store.db, filter);
  }

  /** The read-only registration counts of these events (SPEC §11): one grouped query for a whole page. */
  counts(ids: readonly string[]): Promise<Map<string, RegistrationCounts>> {
    return registrationCounts(this.deps.store.db, ids);
  }

  /** Apply a partial update, or (dryRun) answer what it would do and write nothing. */
  async patch(
    viewer: Viewer,
    id: string,
    body: EventPatchBody,
    pre: Precondition,
    dryRun: boolean,
  ): Promise<{ event: EventRecord; plan: EditPlan; counts: RegistrationCounts }> {
    signedIn(viewer);
    const run = async (tx: Tx | null) => {
      const db = tx?.db ?? this.deps.store.db;
      const found = tx ? await findEventToEdit(tx, id) : await findEventWithCounts(db, id);
      if (!found || !canRead(viewer, found.event)) throw notFound();
      const { event: before, counts } = found;
      if (!canEdit(viewer, before)) throw forbidden('edit');
      checkPrecondition(before, pre);
      const fields = resolveEventFields(body, before, this.deps.defaultTimezone);
      const now = this.deps.clock.now();
      const draft = { ...before, ...fields };
      // The reminder trigger depends on the confirmed attendees (SPEC §14), so the plan needs their count.
      const plan = planEdit(before, draft, now, counts.registered);
      const event: EventRecord = {
        ...draft,
        ...stateAt(draft, draft.status, now),
        version: before.version + 1,
        updatedAt: now,
      };
      if (!tx) return { event, plan, counts };
      const entry = entryOf(event, 'edit', viewer, before, now);
      const written = await updateEvent(tx, event, now, entry);
      const settled = await settleWaitlist(tx, event, event.phase === 'registration_open', now, counts);
      await record(tx, entry, event, settled, written);
      return { event, plan, counts: settled };
    };
    return dryRun ? run(null) : this.deps.store.write(run, { ...this.editing(id), session: sessionCheckOf(viewer) });
  }

  async remove(viewer: Viewer, id: string): Promise<void> {
    signedIn(viewer);
    await this.deps.store.write(async (tx) => {
      const event = await findEvent(tx.db, id, tx.rowLocks);
      if (!event || !canRead(viewer, event)) throw notFound();
      if (!canDelete(viewer, event)) throw forbidden('delete');
      const now = this.deps.clock.now();
      await deleteEvent(tx, id);
      await record(tx, entryOf(event, 'delete', viewer, event, now), null, NO_REGISTRATIONS);
    });
  }

  /** draft → pending_approval, or straight to the clock's status when an admin submits. */
  submit(viewer: Viewer, id: string): Promise<EventRecord> {
    return this.act(viewer, id, (e) => {
      if (!canSubmit(viewer, e)) throw forbidden('submit');
      if (!allows('submit', e.status)) throw invalidState('submit', e.status);
      return viewer.role === 'admin' ? { status: 'upcoming', cause: 'approval' } : { status: 'pending_approval', cause: 'edit' };
    });
  }

  /**
   * pending_approval → the status of this instant. Boundaries that passed while the event
   * waited are not replayed: one transition, cause `approval`.
   */
  approve(viewer: Viewer, id: string): Promise<EventRecord> {
    return this.act(viewer, id, (e) => {
      if (!canReview(viewer)) throw forbidden('approve');
      if (!allows('approve', e.status)) throw invalidState('approve', e.status);
      return { status: 'upcoming', cause: 'approval' };
    });
  }

  decline(viewer: Viewer, id: string, reason: string): Promise<EventRecord> {
    return this.act(viewer, id, (e) => {
      if (!canReview(viewer)) throw forbidden('decline');
      if (!allows('decline', e.status)) throw invalidState('decline', e.status);
      return { status: 'declined', cause: 'decline', reason };
    });
  }

  /**
   * Terminal. Allowed for an approved event until it has ended. Never from draft or pending:
   * `cancelled` is publicly readable, so that would publish an event nobody approved (delete it instead).
   */
  cancel(viewer: Viewer, id: string, reason: string): Promise<EventRecord> {
    return this.act(viewer, id, (e) => {
      if (!canCancel(viewer, e)) throw forbidden('cancel');
      if (!allows('cancel', e.status)) throw invalidState('cancel', e.status);
      return { status: 'cancelled', cause: 'cancel', reason };
    });
  }

  async history(viewer: Viewer, id: string, afterSeq: number, limit: number): Promise<HistoryRecord[]> {
    const db = this.deps.store.db;
    const event = await findEvent(db, id);
    if (event) {
      if (!canRead(viewer, event)) throw notFound();
    } else if (viewer.role !== 'admin' || !(await firstEntryOf(db, id))) {
      // A deleted event's history stays readable to admins only.
      throw notFound();
    }
    return historyOf(db, id, afterSeq, limit);
  }

  /** A workflow action: decide the new status, recompute the phase from the clock, record it. */
  private act(
    viewer: Viewer,
    id: string,
    decide: (e: EventRecord) => { status: Status; cause: HistoryCause; reason?: string },
  ): Promise<EventRecord> {
    signedIn(viewer);
    return this.deps.store.write(async (tx) => {
      const found = await findEventToEdit(tx, id);
      if (!found || !canRead(viewer, found.event)) throw notFound();
      const before = found.event;
      const { status, cause, reason } = decide(before);
      const now = this.deps.clock.now();
      const event: EventRecord = { ...before, ...stateAt(before, status, now), version: before.version + 1, updatedAt: now };
      const entry = entryOf(event, cause, viewer, before, now, reason);
      const written = await updateEvent(tx, event, now, entry);
      const counts = await settleWaitlist(tx, event, event.phase === 'registration_open', now, found.counts);
      await record(tx, entry, event, counts, written);
      return event;
    }, this.editing(id));
  }

  /** A write that edits this event: its BEGIN locks the row and reads it (`findEventToEdit`). */
  private editing(id: string): WriteOptions {
    return { event: id, read: editReadStatement(this.deps.store.db, id) };
  }
}

/**
 * The history entry of a write by `viewer` that moved `event` from `before` (null: it is new). Its
 * `seq` is the database's to give: set by whichever statement writes it (`record`).
 */
function entryOf(
  event: EventRecord,
  cause: HistoryCause,
  viewer: Viewer,
  before: LifecycleState | null,
  now: number,
  reason?: string,
): HistoryRecord {
  return {
    seq: Number.NaN,
    eventId: event.id,
    ownerId: event.createdBy,
    at: now,
    cause,
    actor: userId(viewer),
    from: before && { status: before.status, phase: before.phase },
    to: { status: event.status, phase: event.phase },
    trigger: null,
    dueAt: null,
    lateMs: null,
    reason: reason ?? null,
  };
}

/**
 * Record the entry with the event as it reads after the write (null once deleted) and its
 * counts: appended here, or already `written` by the event's own statement (PostgreSQL).
 */
async function record(
  tx: Tx,
  entry: HistoryRecord,
  event: EventRecord | null,
  counts: RegistrationCounts,
  written = false,
): Promise<void> {
  if (written) entryWritten(tx, entry, event, counts);
  else await appendHistory(tx, entry, event, counts);
}

function checkPrecondition(e: EventRecord, pre: Precondition): void {
  const stale = () =>
    new KairosError(
      'version_conflict',
      `the event changed since you read it (it is now at version ${e.version}); reload and retry`,
    );
  if (pre.ifMatch !== undefined && pre.ifMatch.trim() !== '*') {
    const versions = pre.ifMatch.split(',').map(versionFromEtag);
    if (!versions.includes(e.version)) throw stale();
  }
  if (pre.version !== undefined && pre.version !== e.version) throw stale();
}
