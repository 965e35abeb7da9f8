/**
 * Expired sessions are deleted, not only ignored: a login writes a row that would otherwise stay
 * forever (issue 10), and a stolen database should not hold months of old token hashes. Once at
 * start and then every hour on the server's Clock; an expired row already grants nothing (every
 * read checks `expiresAt`), so an hour of lag costs only disk.
 */
import type { Clock, TimerHandle } from '../../clock.ts';
import type { Store } from '../../db/store.ts';
import { deleteExpiredSessions } from './sessions.repository.ts';

export const SESSION_PURGE_EVERY_MS = 3_600_000;

export interface SessionPurgeDeps {
  store: Store;
  clock: Clock;
  /** A failed purge (database busy, closing) is reported and retried at the next round. */
  onError: (error: unknown) => void;
  onPurged?: (count: number) => void;
  everyMs?: number;
}

/** Starts purging; the returned function stops it (and waits for a purge under way). */
export function startSessionPurge(deps: SessionPurgeDeps): () => Promise<void> {
  const everyMs = deps.everyMs ?? SESSION_PURGE_EVERY_MS;
  let timer: TimerHandle | null = null;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const round = () => {
    running = deps.store
      .write((tx) => deleteExpiredSessions(tx.db, deps.clock.now()))
      .then((count) => deps.onPurged?.(count), deps.onError)
      .finally(() => {
        if (!stopped) timer = deps.clock.setTimeout(round, everyMs);
      });
  };
  round();
  return async () => {
    stopped = true;
    if (timer) deps.clock.clearTimeout(timer);
    await running;
  };
}
