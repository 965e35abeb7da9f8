/**
 * One timer per signed-in stream, firing when its session expires (SPEC §7: a stream never
 * outlives the rights it was opened with). Sessions may last up to a year
 * (`KAIROS_SESSION_TTL_HOURS`), beyond what `setTimeout` can wait (2^31 − 1 ms ≈ 24.8 days;
 * longer delays fire at once), so a long wait is taken in steps.
 */
import type { Clock } from '../clock.ts';

const MAX_DELAY_MS = 2 ** 31 - 1;

export class SessionTimers<K> {
  private readonly timers = new Map<K, NodeJS.Timeout>();

  constructor(
    private readonly clock: Clock,
    private readonly expired: (key: K) => void,
  ) {}

  set(key: K, at: number): void {
    this.clear(key);
    const delay = at - this.clock.now();
    if (delay <= 0) {
      // Not synchronously: the caller is still registering this key.
      this.timers.set(
        key,
        setTimeout(() => this.fire(key), 0),
      );
      return;
    }
    // Re-armed when it wakes before `at` (a long wait taken in steps, or a timer a hair early
    // against the wall clock): a session is never cut short.
    this.timers.set(
      key,
      setTimeout(() => (this.clock.now() < at ? this.set(key, at) : this.fire(key)), Math.min(delay, MAX_DELAY_MS)),
    );
  }

  private fire(key: K): void {
    this.timers.delete(key);
    this.expired(key);
  }

  clear(key: K): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }
}
