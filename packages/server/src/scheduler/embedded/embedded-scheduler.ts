/**
 * Embedded mode: the triggers table is the queue; one timer sleeps exactly until its earliest
 * row. Commits that change triggers wake the loop (the store tells it, not the services), and
 * the loop fires what is due, then re-arms. No polling, no fixed interval.
 *
 * The bad day: a timer longer than 2^31−1 ms fires at once in Node, so long sleeps are chained;
 * a timer can wake a millisecond early, so the clock is re-read before anything fires; triggers
 * that fell due while no scheduler ran fire first, in due order, with cause `recovery`.
 */
import { formatInstant } from '@kairos/core';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.ts';
import type { Store } from '../../db/store.ts';
import type { TriggerRow } from '../../features/events/event.record.ts';
import { countTriggers, nextTriggers } from '../../features/events/triggers.repository.ts';
import { fireTrigger } from '../fire.ts';
import type { Scheduler, SchedulerStatus, TriggerInfo } from '../scheduler.ts';
import type { FiringStats } from '../stats.ts';

/** The longest delay setTimeout honours; anything longer fires immediately. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
const BATCH = 100;

export interface EmbeddedSchedulerDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  stats: FiringStats;
}

export class EmbeddedScheduler implements Scheduler {
  readonly mode = 'embedded' as const;
  private timer: NodeJS.Timeout | null = null;
  private armedFor: number | null = null;
  private startedAt = 0;
  private active = false;
  private dirty = false;
  private loop: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private unwatch: (() => void) | null = null;

  constructor(private readonly deps: EmbeddedSchedulerDeps) {}

  get running(): boolean {
    return this.active;
  }

  async start(): Promise<void> {
    if (this.active) return;
    this.active = true;
    this.startedAt = this.deps.clock.now();
    this.unsubscribe = this.deps.store.onCommit((effects) => {
      if (effects.triggersChanged) this.wake();
    });
    // Triggers written by another process (kairos doctor --fix) must be seen too.
    this.unwatch = this.deps.store.onExternalCommit(() => this.wake());
    this.wake();
    await this.loop;
  }

  async stop(): Promise<void> {
    this.active = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.unwatch?.();
    this.unwatch = null;
    this.clearTimer();
    await this.loop;
  }

  /** Ask the loop for a pass: fire what is due, re-arm. Passes never overlap. */
  private wake(): void {
    if (!this.active) return;
    this.dirty = true;
    if (this.loop) return;
    this.loop = (async () => {
      while (this.dirty && this.active) {
        this.dirty = false;
        await this.fireDue();
        await this.arm();
      }
    })()
      .catch((error: unknown) => {
        this.deps.log.error({ err: error }, 'scheduler pass failed; retrying in 1 s');
        this.setTimer(this.deps.clock.now() + 1000);
      })
      .finally(() => {
        this.loop = null;
      });
  }

  private async fireDue(): Promise<void> {
    let recovered = 0;
    for (;;) {
      const now = this.deps.clock.now();
      const due = (await nextTriggers(this.deps.store.db, BATCH)).filter((t) => t.dueAt <= now);
      if (due.length === 0) break;
      for (const t of due) {
        if (!this.active) return;
        const cause = t.dueAt < this.startedAt ? 'recovery' : 'schedule';
        const firing = await fireTrigger(this.deps.store, t, this.deps.clock.now, cause);
        if (!firing) continue;
        this.deps.stats.record(firing);
        if (cause === 'recovery') recovered++;
        this.deps.log.info(
          {
            eventId: t.eventId,
            trigger: t.trigger,
            dueAt: formatInstant(t.dueAt),
            lateMs: firing.lateMs,
            cause,
            changed: firing.changed,
          },
          'scheduler fired',
        );
      }
    }
    if (recovered > 0) this.deps.log.info({ recovered }, `scheduler recovered ${recovered} missed trigger(s)`);
  }

  private async arm(): Promise<void> {
    const [next] = await nextTriggers(this.deps.store.db, 1);
    if (!next) {
      if (this.armedFor !== null) this.deps.log.info('scheduler idle: no pending trigger');
      this.clearTimer();
      return;
    }
    if (next.dueAt <= this.deps.clock.now()) {
      this.dirty = true;
      return;
    }
    if (this.armedFor !== next.dueAt) {
      this.deps.log.info({ eventId: next.eventId, trigger: next.trigger, dueAt: formatInstant(next.dueAt) }, 'scheduler armed');
    }
    this.setTimer(next.dueAt);
  }

  private setTimer(at: number): void {
    this.clearTimer();
    // A pass that was running when stop() came must not leave a timer behind.
    if (!this.active) return;
    this.armedFor = at;
    const delay = Math.min(Math.max(0, at - this.deps.clock.now()), MAX_TIMER_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wake();
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = null;
  }

  async status(): Promise<SchedulerStatus> {
    const db = this.deps.store.db;
    const [queued, upcoming] = await Promise.all([countTriggers(db), nextTriggers(db, 20)]);
    const titles = await titlesOf(this.deps.store, upcoming);
    const info = (t: TriggerRow): TriggerInfo => ({
      eventId: t.eventId,
      title: titles.get(t.eventId) ?? null,
      trigger: t.trigger,
      dueAt: formatInstant(t.dueAt),
    });
    return {
      mode: this.mode,
      running: this.active,
      triggersQueued: queued,
      nextTrigger: upcoming[0] ? info(upcoming[0]) : null,
      upcoming: upcoming.map(info),
      recent: this.deps.stats.recent(),
      lateness: this.deps.stats.lateness(),
    };
  }
}

async function titlesOf(store: Store, rows: TriggerRow[]): Promise<Map<string, string>> {
  if (rows.length === 0) return new Map();
  const ids = [...new Set(rows.map((r) => r.eventId))];
  const found = await store.db.selectFrom('events').select(['id', 'title']).where('id', 'in', ids).execute();
  return new Map(found.map((r) => [r.id, r.title]));
}
