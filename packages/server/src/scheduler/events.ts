/**
 * The scheduler's observable surface: a typed event map. Logging, the firing statistics and the
 * tests subscribe to it; nothing parses log lines. (Model: graphile-worker's WorkerEventMap.)
 */
import type { TriggerRow } from '../features/events/event.record.ts';
import type { FireCause, FiredBatch } from './fire.ts';

export interface SchedulerEventMap {
  /** A batch committed (its stream messages are out). `cause` is every firing's. */
  'batch:fired': FiredBatch & { cause: FireCause; via: 'timer' | 'job' };
  /**
   * A timer is set for the earliest pending trigger: `next` when that trigger is new to the
   * timer; `early` when the timer woke before its link's end (or the wall clock went back) and
   * nothing fired. (The plain links of a long wait are not reported.)
   */
  armed: { next: TriggerRow; delayMs: number; reason: 'next' | 'early' };
  /** No trigger is pending: no timer is set. */
  idle: { at: number };
  /** A pass fired triggers that fell due while no scheduler ran (cause `recovery`). */
  recovered: { count: number };
  /** A pass failed; the loop tries again after `retryInMs`. */
  error: { error: unknown; retryInMs: number };
}

type Listener<T> = (event: T) => void;

export class SchedulerEvents {
  private readonly listeners = new Map<keyof SchedulerEventMap, Set<Listener<never>>>();

  /** Subscribe; the returned function unsubscribes. */
  on<K extends keyof SchedulerEventMap>(name: K, listener: Listener<SchedulerEventMap[K]>): () => void {
    const set = this.listeners.get(name) ?? new Set();
    this.listeners.set(name, set);
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** A listener's failure never breaks the scheduler (nor the other listeners). */
  emit<K extends keyof SchedulerEventMap>(name: K, event: SchedulerEventMap[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        (listener as Listener<SchedulerEventMap[K]>)(event);
      } catch (error) {
        process.emitWarning(`scheduler ${name} listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
