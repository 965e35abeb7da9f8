/**
 * Cluster mode: every instance runs a graphile-worker runner over the shared job queue, and
 * beside it the embedded scheduler's exact timer over the shared `triggers` table.
 *
 * Why both: graphile-worker finds a job that falls due in the future by polling, so on its own a
 * transition is up to `POLL_MS` late (measured: see the README). The exact timer, re-armed on
 * this instance's commits and on other instances' (LISTEN/NOTIFY), fires on the millisecond;
 * the job is the durable backstop. Either path calls fireTrigger, whose compare-and-delete of
 * the trigger row under the cluster-wide write lock lets exactly one firing record a transition
 * however many instances race for it (I3). Any instance can die at any moment: its jobs are
 * unlocked by graphile-worker and the other instances' timers see the same rows.
 */
import { formatInstant } from '@kairos/core';
import { type Runner, run } from 'graphile-worker';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.ts';
import type { Store } from '../../db/store.ts';
import { triggersOfEventUpTo } from '../../features/events/triggers.repository.ts';
import { EmbeddedScheduler } from '../embedded/embedded-scheduler.ts';
import { type Firing, fireTrigger } from '../fire.ts';
import type { Scheduler, SchedulerStatus } from '../scheduler.ts';
import type { FiringStats } from '../stats.ts';
import { FIRE_TASK, type FireJob, workerLogger } from './trigger-jobs.ts';

/** graphile-worker's poll for future jobs; only the backstop's lateness depends on it. */
const POLL_MS = 1000;

export interface ClusterSchedulerDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  stats: FiringStats;
  /** The PostgreSQL URL; graphile-worker keeps its own small pool (released on stop). */
  url: string;
}

export class ClusterScheduler implements Scheduler {
  readonly mode = 'cluster' as const;
  private readonly timer: EmbeddedScheduler;
  private runner: Runner | null = null;
  private startedAt = 0;

  constructor(private readonly deps: ClusterSchedulerDeps) {
    this.timer = new EmbeddedScheduler(deps);
  }

  get running(): boolean {
    return this.timer.running && this.runner !== null;
  }

  async start(): Promise<void> {
    if (this.runner) return;
    this.startedAt = this.deps.clock.now();
    // The timer's first pass fires what fell due while no instance ran (cause `recovery`).
    await this.timer.start();
    const log = this.deps.log.child({ component: 'graphile-worker' });
    this.runner = await run({
      connectionString: this.deps.url,
      concurrency: 2,
      maxPoolSize: 4,
      pollInterval: POLL_MS,
      noHandleSignals: true,
      logger: workerLogger((level, message) => {
        if (level === 'error' || level === 'warning') log.warn(message);
        else log.debug(message);
      }),
      taskList: { [FIRE_TASK]: (payload) => this.fire(payload as FireJob) },
    });
  }

  async stop(): Promise<void> {
    const runner = this.runner;
    this.runner = null;
    // Stops taking jobs, waits for the running ones (short: one transaction each), ends its pool.
    await runner?.stop();
    await this.timer.stop();
  }

  /**
   * The job's handler: never before the due instant, then the same idempotent firing as the
   * timer. One poll can hand out several jobs of an event at once, to several workers; firing
   * the event's earlier due triggers first keeps its phases in order (a later boundary fired
   * first would make the earlier one a no-op and skip a phase in the history).
   */
  private async fire(job: FireJob): Promise<void> {
    const { clock, store } = this.deps;
    // The database's clock and ours may differ by a little: a trigger never fires early (SPEC §4).
    for (let wait = job.dueAt - clock.now(); wait > 0; wait = job.dueAt - clock.now()) {
      await new Promise((r) => setTimeout(r, wait));
    }
    for (const row of await triggersOfEventUpTo(store.db, job.eventId, Number(job.dueAt))) {
      const cause = row.dueAt < this.startedAt ? 'recovery' : 'schedule';
      const firing = await fireTrigger(store, row, clock.now, cause);
      if (firing) this.record(firing); // null: already fired (by a timer) or replaced by an edit
    }
  }

  private record(firing: Firing): void {
    this.deps.stats.record(firing);
    const t = firing.trigger;
    this.deps.log.info(
      {
        eventId: t.eventId,
        trigger: t.trigger,
        dueAt: formatInstant(t.dueAt),
        lateMs: firing.lateMs,
        cause: firing.cause,
        via: 'job',
      },
      'scheduler fired',
    );
  }

  async status(): Promise<SchedulerStatus> {
    return { ...(await this.timer.status()), mode: this.mode, running: this.running };
  }
}
