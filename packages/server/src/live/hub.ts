/**
 * The live hub: every committed history entry becomes one stream message (SPEC §7), serialised
 * once and written to each client allowed to see it. Fan-out cost is one JSON.stringify per
 * entry plus one visibility check and one socket write per client.
 */
import { canManageAttendees, canRead, isPublicStatus, liveTypeOf, type Viewer } from '@kairos/core';
import type { Clock } from '../clock.ts';
import type { Effects, Store } from '../db/database.ts';
import type { EventRecord } from '../features/events/events.repository.ts';
import type { HistoryRecord } from '../features/history/history.repository.ts';
import { toRegistrationMessage } from '../features/registrations/registration.view.ts';
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

export class LiveHub {
  private readonly clients = new Set<LiveClient>();
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly unsubscribe: () => void;

  constructor(
    store: Store,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly heartbeatMs = 15_000,
  ) {
    this.unsubscribe = store.onCommit((effects) => this.publish(effects));
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
    for (const { entry, event, counts } of effects.entries) {
      const type = liveTypeOf(entry);
      if (type === 'transition') this.metrics.transitions.inc({ cause: entry.cause });
      if (this.clients.size === 0) continue;
      const text = frame(type, toLiveMessage(entry, event as EventRecord | null, this.clock.now(), counts), entry.seq);
      for (const c of this.clients) if (canSeeEntry(c.viewer, entry)) c.write(text);
    }
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
    for (const c of [...this.clients]) {
      c.end(retryMs);
      this.remove(c);
    }
  }
}
