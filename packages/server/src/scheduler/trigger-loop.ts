/**
 * The exact timer over the `triggers` table, used by both modes: one timer sleeps until the
 * earliest row; commits that change triggers wake the loop (the store tells it, not the
 * services); a pass fires what is due in batches, then re-arms. No polling interval.
 *
 * The bad day (model: graphile-worker's cron): a timer cannot sleep longer than 2^31−1 ms, so
 * long waits are chained; a timer can wake early, so the clock is re-read before anything fires
 * and the timer re-armed; the wall clock can jump (an NTP step, a suspended VM) while a timer
 * sleeps on the monotonic clock, so no link sleeps longer than `WALL_CHECK_MS` before looking at
 * the wall clock again; triggers that fell due while no scheduler ran fire first, in due order,
 * with cause `recovery`.
 */
import { type Clock, MAX_TIMER_MS, type TimerHandle } from '../clock.ts';
import type { Store } from '../db/store.ts';
import type { TriggerRow } from '../features/events/event.record.ts';
import { type DuePosition, nextTriggers } from '../features/events/triggers.repository.ts';
import { SerialPasses } from '../serial-passes.ts';
import type { SchedulerEvents } from './events.ts';
import { type FireCause, fireBatch } from './fire.ts';

/**
 * Triggers per transaction, at most. Measured with bench/burst-probe.ts (10 000 starts at one
 * instant, 3 stream clients; server CPU for the whole burst, on this shared 2-core machine):
 * 250 → 1.43 s in 40 commits, 500 → 1.20 s in 20, 1 000 → 1.24 s in 10; the one-transaction-
 * per-trigger firing this replaced took 25.5 s. Above 500 the per-statement saving is spent and
 * each batch only delays its own stream messages longer.
 */
export const DEFAULT_FIRE_BATCH = 500;

/**
 * A pass starts with a batch this small and doubles it up to the limit: the first stream
 * messages of a burst go out after a hundred firings' work, not five hundred.
 */
const FIRST_BATCH = 100;

/**
 * The longest a timer sleeps before the wall clock is looked at again: after a forward jump
 * of the wall clock, what became due fires at most this late. A link costs a timer callback and
 * no query.
 */
export const WALL_CHECK_MS = 60_000;

const RETRY_MS = 1000;

/**
 * A due trigger none of whose events could be claimed: each is held by another write (cluster
 * mode: an edit, or another instance firing it). That write's commit wakes the loop too; this is
 * the bound if it does not (an edit that moved no trigger announces nothing).
 */
const HELD_RETRY_MS = 20;

export interface TriggerLoopDeps {
  store: Store;
  clock: Clock;
  events: SchedulerEvents;
  /** Triggers per transaction; `DEFAULT_FIRE_BATCH` when absent. */
  batchSize?: number | undefined;
  /**
   * Batches in flight at once during a pass (default 1). Where writes overlap (PostgreSQL), a
   * second lane lets the database run one batch while this process renders the other's stream
   * messages; their claims (`SKIP LOCKED`) are disjoint. SQLite has one writer: one lane.
   */
  lanes?: number;
}

export class TriggerLoop {
  private timer: TimerHandle | null = null;
  /** What the timer waits for: a trigger's instant (or a retry's, with no row); null when idle. */
  private armed: { dueAt: number; row: TriggerRow | null } | null = null;
  /** Wall-clock instant this timer link should wake at. */
  private linkEndsAt = 0;
  private started = 0;
  private active = false;
  private readonly passes = new SerialPasses(
    () => this.pass(),
    (error) => {
      this.deps.events.emit('error', { error, retryInMs: RETRY_MS });
      this.setTimer(this.deps.clock.now() + RETRY_MS, null);
    },
    () => this.active,
  );
  private unsubscribe: Array<() => void> = [];

  constructor(private readonly deps: TriggerLoopDeps) {}

  get running(): boolean {
    return this.active;
  }

  /** When this scheduler started: triggers due before it fire with cause `recovery`. */
  get startedAt(): number {
    return this.started;
  }

  /** Starts, and resolves after the first pass (what was missed has fired). */
  async start(): Promise<void> {
    if (this.active) return;
    this.active = true;
    this.started = this.deps.clock.now();
    const { store } = this.deps;
    this.unsubscribe = [
      store.onCommit((effects) => this.inserted(effects.earliestTrigger)),
      // Triggers written by another process (kairos doctor --fix, another instance) count too.
      store.onExternalCommit((notice) => (notice ? this.inserted(notice.earliestTrigger) : this.wake())),
    ];
    this.wake();
    await this.settled();
  }

  async stop(): Promise<void> {
    this.active = false;
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.clearTimer();
    await this.settled();
  }

  /** Resolves once no pass is running (at once when none is). */
  settled(): Promise<void> {
    return this.passes.settled();
  }

  /**
   * Trigger rows were inserted, the earliest due at `earliest`: a pass is needed only if that is
   * before what the timer waits for. (Removed rows need none: a timer whose row went fires into
   * an empty pass and re-arms.) In cluster mode every write anywhere tells every instance; this
   * keeps most of them from costing a query.
   */
  private inserted(earliest: number | null): void {
    if (earliest === null) return;
    if (this.armed !== null && !this.passes.busy && earliest >= this.armed.dueAt) return;
    this.wake();
  }

  /** Ask for a pass: fire what is due, re-arm. Passes never overlap. */
  private wake(): void {
    this.passes.wake();
  }

  private async pass(): Promise<void> {
    const { store, clock, events } = this.deps;
    let recovered = 0;
    for (;;) {
      if (!this.active) return;
      const [next] = await nextTriggers(store.db, 1);
      const now = clock.now();
      if (!next) {
        this.clearTimer();
        events.emit('idle', { at: now });
        break;
      }
      if (next.dueAt > now) {
        this.arm(next);
        break;
      }
      // Missed triggers first and in their own batches, so each batch has one cause.
      const cause: FireCause = next.dueAt < this.started ? 'recovery' : 'schedule';
      const upTo = cause === 'recovery' ? this.started - 1 : now;
      const fired = await this.fire(cause, upTo);
      if (fired === 0) {
        this.setTimer(clock.now() + HELD_RETRY_MS, null);
        break;
      }
      if (cause === 'recovery') recovered += fired;
    }
    if (recovered > 0) events.emit('recovered', { count: recovered });
  }

  /**
   * Fire what is due by `upTo`: one small batch, and only if it came back full (a burst) the
   * lanes, each draining on its own. A single trigger falling due costs one transaction per
   * instance, not one per lane. Returns how many fired.
   */
  private async fire(cause: FireCause, upTo: number): Promise<number> {
    const max = this.deps.batchSize ?? DEFAULT_FIRE_BATCH;
    const first = Math.min(FIRST_BATCH, max);
    const { fired, reached } = await this.batch(cause, upTo, first);
    if (fired < first || reached === null) return fired;
    const lanes = Array.from({ length: this.deps.lanes ?? 1 }, () => this.drain(cause, upTo, Math.min(first * 2, max), reached));
    return fired + (await Promise.all(lanes)).reduce((a, b) => a + b, 0);
  }

  private async batch(
    cause: FireCause,
    upTo: number,
    limit: number,
    after?: DuePosition,
  ): Promise<{ fired: number; reached: DuePosition | null }> {
    const { store, clock, events } = this.deps;
    const batch = await fireBatch(store, { kind: 'due', upTo, limit, after }, clock, () => cause);
    if (batch.firings.length > 0) events.emit('batch:fired', { ...batch, cause, via: 'timer' });
    return { fired: batch.firings.length, reached: batch.reached };
  }

  /**
   * Fire batches of what is due by `upTo`, each going on from where the last one's scan ended,
   * until a batch comes back short: nothing more is due past it, or the rest is held (by another
   * lane, instance or write). What it passed over is the next pass's. Returns how many it fired.
   */
  private async drain(cause: FireCause, upTo: number, from: number, after: DuePosition): Promise<number> {
    const max = this.deps.batchSize ?? DEFAULT_FIRE_BATCH;
    let limit = from;
    let fired = 0;
    let position = after;
    while (this.active) {
      // Between batches, let the event loop run: sockets flush the last batch's stream messages
      // and requests are not held up behind a whole burst.
      await new Promise((resolve) => setImmediate(resolve));
      const { fired: n, reached } = await this.batch(cause, upTo, limit, position);
      fired += n;
      if (n < limit || reached === null) break;
      position = reached;
      limit = Math.min(limit * 2, max);
    }
    return fired;
  }

  private arm(next: TriggerRow): void {
    const isNew = this.armed?.dueAt !== next.dueAt;
    this.setTimer(next.dueAt, next);
    if (isNew) this.deps.events.emit('armed', { next, delayMs: this.linkEndsAt - this.deps.clock.now(), reason: 'next' });
  }

  private setTimer(dueAt: number, row: TriggerRow | null): void {
    this.clearTimer();
    // A pass that was running when stop() came must not leave a timer behind.
    if (!this.active) return;
    const now = this.deps.clock.now();
    const delay = Math.min(Math.max(0, dueAt - now), WALL_CHECK_MS, MAX_TIMER_MS);
    this.armed = { dueAt, row };
    this.linkEndsAt = now + delay;
    this.timer = this.deps.clock.setTimeout(() => this.onTimer(), delay);
  }

  /** The timer woke: fire only if the wall clock says the instant has come; otherwise sleep on. */
  private onTimer(): void {
    this.timer = null;
    const armed = this.armed;
    const now = this.deps.clock.now();
    if (armed === null || now >= armed.dueAt) {
      this.wake();
      return;
    }
    // Before the instant: another link of a long wait, or a timer that woke early (or a wall
    // clock that went back). Nothing is due, so no query: sleep on.
    const early = now < this.linkEndsAt;
    this.setTimer(armed.dueAt, armed.row);
    if (early && armed.row) {
      this.deps.events.emit('armed', { next: armed.row, delayMs: this.linkEndsAt - now, reason: 'early' });
    }
  }

  private clearTimer(): void {
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
    this.armed = null;
  }
}
