/**
 * A clock the tests drive (model: graphile-worker's fake timers in `__tests__/helpers.ts`):
 * wall time and a monotonic timer queue kept apart, so a test can jump the wall clock under a
 * sleeping timer, make a timer wake early, or cross 400 days in one call. Timers behave as
 * Node's: a delay above 2^31−1 ms (or below 1) becomes 1 ms — recorded in `overflows`.
 */
import { type Clock, MAX_TIMER_MS, type TimerHandle } from '../../src/clock.ts';

interface Timer {
  id: number;
  /** Monotonic instant it is due. */
  at: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private wall: number;
  private mono = 0;
  private timers: Timer[] = [];
  private nextId = 1;
  private earlyBy = 0;
  /** Timers set so far, the longest delay asked for, and delays Node would not have honoured. */
  timersSet = 0;
  longestDelay = 0;
  overflows = 0;
  /** Awaited after every timer callback: let the work it started finish (tests point it at the scheduler). */
  settle: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve));

  constructor(start: number) {
    this.wall = start;
  }

  now = (): number => this.wall;

  setTimeout = (fn: () => void, ms: number): TimerHandle => {
    this.timersSet++;
    this.longestDelay = Math.max(this.longestDelay, ms);
    let delay = ms;
    if (!(delay >= 1 && delay <= MAX_TIMER_MS)) {
      if (delay > MAX_TIMER_MS) this.overflows++;
      delay = 1;
    }
    const id = this.nextId++;
    this.timers.push({ id, at: this.mono + delay, fn });
    return id as unknown as TimerHandle;
  };

  clearTimeout = (handle: TimerHandle): void => {
    const id = handle as unknown as number;
    this.timers = this.timers.filter((t) => t.id !== id);
  };

  /** Pending timers (for leak checks). */
  get pending(): number {
    return this.timers.length;
  }

  /** The next timer to fire does so `ms` early (as a Node timer can). */
  wakeNextTimerEarly(ms: number): void {
    this.earlyBy = ms;
  }

  /** The wall clock steps by `ms` (negative: back); sleeping timers do not notice. */
  jump(ms: number): void {
    this.wall += ms;
  }

  /** Let `ms` pass on both clocks, firing each timer that falls due at its own instant. */
  async advance(ms: number): Promise<void> {
    const target = this.mono + ms;
    for (;;) {
      const next = this.timers.reduce<Timer | null>((a, t) => (a === null || t.at < a.at ? t : a), null);
      const fireAt = next ? Math.max(this.mono, next.at - this.earlyBy) : Number.POSITIVE_INFINITY;
      if (!next || fireAt > target) break;
      this.earlyBy = 0;
      this.wall += fireAt - this.mono;
      this.mono = fireAt;
      this.timers = this.timers.filter((t) => t !== next);
      next.fn();
      await this.settle();
    }
    this.wall += target - this.mono;
    this.mono = target;
  }
}
