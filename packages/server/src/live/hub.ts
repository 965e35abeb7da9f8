/**
 * The live hub: every committed history entry becomes one stream message (SPEC §7), serialised
 * once and written to each client allowed to see it. Fan-out cost is one JSON.stringify per
 * entry plus one visibility check and one socket write per client.
 *
 * Entries go out strictly in `seq` order, each once. This process's commits are sent as they
 * commit; entries another process wrote (`kairos doctor --fix`) are read from the history when
 * the store notices that commit, or when a later commit of ours shows a gap in `seq`.
 */
import {
  canManageAttendees,
  canRead,
  isPublicStatus,
  liveTypeOf,
  NO_REGISTRATIONS,
  type RegistrationCounts,
  type Viewer,
} from '@kairos/core';
import type { Clock } from '../clock.ts';
import type { Store } from '../db/store.ts';
import type { Effects } from '../db/unit-of-work.ts';
import type { EventRecord } from '../features/events/event.record.ts';
import { findEvents } from '../features/events/events.repository.ts';
import type { HistoryRecord } from '../features/history/history.record.ts';
import { historySince, lastSeq } from '../features/history/history.repository.ts';
import { toRegistrationMessage } from '../features/registrations/registration.view.ts';
import { registrationCounts } from '../features/registrations/registrations.repository.ts';
import type { Metrics } from '../ops/metrics.ts';
import { toLiveMessage } from './messages.ts';

export interface LiveClient {
  viewer: Viewer;
  /** Write an already-framed SSE message. */
  write(frame: string): void;
  /** End the connection, telling the client when to come back. */
  end(retryMs: number): void;
}

/** May this viewer see this entry? Public sees entries about events it may read. */
export function canSeeEntry(viewer: Viewer, entry: HistoryRecord): boolean {
  const status = entry.cause === 'delete' && entry.from ? entry.from.status : entry.to.status;
  if (isPublicStatus(status)) return true;
  return canRead(viewer, { status, createdBy: entry.ownerId });
}

/** One SSE frame: `id`, `event`, `data` (single line JSON). */
export function frame(type: string, data: unknown, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

const CATCH_UP_PAGE = 500;

export class LiveHub {
  private readonly clients = new Set<LiveClient>();
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly unsubscribe: () => void;
  private readonly unwatch: () => void;
  /** The highest history seq fanned out so far. */
  private published = 0;
  /** Work that must wait for a catch-up read, in order; null when nothing waits. */
  private queue: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly heartbeatMs = 15_000,
  ) {
    this.unsubscribe = store.onCommit((effects) => this.publish(effects));
    this.unwatch = store.onExternalCommit(() => this.enqueue(() => this.catchUp(Number.POSITIVE_INFINITY)));
  }

  /** Start from the history as it is: entries written before this process started are replay's job. */
  async init(): Promise<void> {
    this.published = await lastSeq(this.store.db);
  }

  get size(): number {
    return this.clients.size;
  }

  add(client: LiveClient): () => void {
    this.clients.add(client);
    this.metrics.streamClients.set(this.clients.size);
    if (!this.heartbeat) {
      // One timer for all clients: a comment line keeps proxies from closing idle streams.
      this.heartbeat = setInterval(() => {
        for (const c of this.clients) c.write(': heartbeat\n\n');
      }, this.heartbeatMs);
    }
    return () => this.remove(client);
  }

  private remove(client: LiveClient): void {
    this.clients.delete(client);
    this.metrics.streamClients.set(this.clients.size);
    if (this.clients.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }

  /** Called synchronously after each commit, in commit order. */
  private publish(effects: Effects): void {
    const first = effects.entries[0]?.entry.seq;
    // The common case, sent at once: nothing waits and no other process committed in between.
    if (this.queue === null && (first === undefined || first === this.published + 1)) {
      this.send(effects);
      return;
    }
    this.enqueue(async () => {
      if (first !== undefined) await this.catchUp(first - 1);
      this.send(effects);
    });
  }

  private enqueue(task: () => Promise<void>): void {
    const run = (this.queue ?? Promise.resolve()).then(task).catch((error: unknown) => {
      process.emitWarning(`live hub catch-up failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.queue = run;
    void run.then(() => {
      if (this.queue === run) this.queue = null;
    });
  }

  /** Fan out the entries after `published`, up to `upTo`, from the history table. */
  private async catchUp(upTo: number): Promise<void> {
    for (;;) {
      const page = (await historySince(this.store.db, this.published, CATCH_UP_PAGE)).filter((h) => h.seq <= upTo);
      if (page.length === 0) return;
      const ids = page.map((h) => h.eventId);
      const [events, counts] = await Promise.all([findEvents(this.store.db, ids), registrationCounts(this.store.db, ids)]);
      for (const h of page) {
        const event = h.cause === 'delete' ? null : (events.get(h.eventId) ?? null);
        this.sendEntry(h, event, counts.get(h.eventId) ?? NO_REGISTRATIONS);
      }
      if (page.length < CATCH_UP_PAGE) return;
    }
  }

  private sendEntry(entry: HistoryRecord, event: EventRecord | null, counts: RegistrationCounts): void {
    if (entry.seq <= this.published) return;
    this.published = entry.seq;
    const type = liveTypeOf(entry);
    if (type === 'transition') this.metrics.transitions.inc({ cause: entry.cause });
    if (this.clients.size === 0) return;
    const text = frame(type, toLiveMessage(entry, event, this.clock.now(), counts), entry.seq);
    for (const c of this.clients) if (canSeeEntry(c.viewer, entry)) c.write(text);
  }

  private send(effects: Effects): void {
    for (const { entry, event, counts } of effects.entries) this.sendEntry(entry, event as EventRecord | null, counts);
    // Registration changes are not history: no `id:` line, so Last-Event-ID keeps counting history
    // only (they are not replayed; a reconnecting admin re-reads the list). Never sent to the public.
    for (const change of effects.registrations) {
      if (this.clients.size === 0) break;
      const text = frame(change.type, toRegistrationMessage(change));
      for (const c of this.clients) if (canManageAttendees(c.viewer, { createdBy: change.ownerId })) c.write(text);
    }
  }

  /** Close every stream with a retry hint (graceful shutdown). */
  close(retryMs = 1000): void {
    this.unsubscribe();
    this.unwatch();
    for (const c of [...this.clients]) {
      c.end(retryMs);
      this.remove(c);
    }
  }
}
