/**
 * The one source of time on the server: "now" and timers. The scheduler takes both from here and
 * never from the globals, so tests run it on a fake clock (test/support/fake-clock.ts) that jumps
 * 400 days in a millisecond, wakes a timer early or moves the wall clock under a sleeping timer.
 */
declare const timerBrand: unique symbol;

/** What `setTimeout` returned; only the clock that made it can clear it. */
export type TimerHandle = { readonly [timerBrand]: true };

export interface Clock {
  /** Wall-clock time, epoch milliseconds. */
  now(): number;
  /**
   * Call `fn` once, about `ms` milliseconds from now as the process measures elapsed time (a
   * monotonic clock: a wall-clock jump does not move it). Like Node's timer it may wake a little
   * early and cannot wait longer than `MAX_TIMER_MS`; callers re-check `now()` and chain.
   */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The longest delay Node's setTimeout honours; a longer one fires after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as TimerHandle,
  clearTimeout: (handle) => clearTimeout(handle as unknown as NodeJS.Timeout),
};

/**
 * Another clock's time, shifted by `offsetMs`: a cluster instance reads the database's time
 * through it (db/database-clock.ts). Timers are the base clock's: they measure elapsed time,
 * which an offset does not change.
 */
export class OffsetClock implements Clock {
  offsetMs = 0;

  constructor(private readonly base: Clock = systemClock) {}

  now(): number {
    return this.base.now() + this.offsetMs;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.base.setTimeout(fn, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.base.clearTimeout(handle);
  }
}

/** A promise that resolves after `ms` on this clock's timers. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, Math.min(Math.max(0, ms), MAX_TIMER_MS)));
}
