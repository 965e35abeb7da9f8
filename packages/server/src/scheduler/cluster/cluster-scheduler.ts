/**
 * Cluster mode: every instance runs a graphile-worker runner over the shared job queue, and
 * beside it the trigger loop (the exact timer) over the shared `triggers` table.
 *
 * Why both: graphile-worker finds a job that falls due in the future by polling, so on its own a
 * transition is up to `POLL_MS` late (measured: see the README). The exact timer, re-armed on
 * this instance's commits and on other instances' (LISTEN/NOTIFY), fires on the millisecond;
 * the job is the durable backstop. Either path fires through fireBatch, which claims the events'
 * rows and compare-and-deletes their trigger rows, so exactly one firing records a transition
 * however many instances race for it (I3); instances firing a burst take disjoint batches. Any instance can die at any moment: its
 * jobs are unlocked by graphile-worker and the other instances' timers see the same rows.
 */
import type { Runner } from 'graphile-worker';
import type { Logger } from 'pino';
import { sleep } from '../../clock.ts';
import type { SchedulerDeps } from '../deps.ts';
import { SchedulerEvents } from '../events.ts';
import { fireBatch } from '../fire.ts';
import { observeScheduler } from '../log.ts';
import type { Scheduler, SchedulerStatus } from '../scheduler.ts';
import { schedulerStatus } from '../status.ts';
import { TriggerLoop } from '../trigger-loop.ts';
import {
  FIRE_TASK,
  type FireJob,
  graphileWorker,
  HORIZON_CRONTAB,
  HORIZON_TASK,
  sweepHorizon,
  workerLogger,
} from './trigger-jobs.ts';

/**
 * graphile-worker's poll for future jobs: a slow safety net. Every instance's exact timer fires
 * on time and is woken by commits anywhere (LISTEN/NOTIFY); jobs inserted due now wake the
 * runner by graphile-worker's own NOTIFY. Polling every second cost each idle instance about
 * 2.7 transactions/s (issue 9); a job found late by this poll finds its trigger already fired.
 */
const POLL_MS = 10_000;

/**
 * Triggers per firing transaction in cluster mode. 1 000 drained a 10 000-start burst on one
 * instance faster than 500 (last fired 1.3–1.4 s against 1.9–2.3 s). It was 500 while the
 * settled bound waited for every transaction on the server: then these longer transactions held
 * back the streams of other databases (live.test.ts on PostgreSQL, beside cluster-failover's
 * burst, saw messages 2.3 s late). The bound now waits for this database's transactions only.
 */
const CLUSTER_FIRE_BATCH = 1000;

export interface ClusterSchedulerDeps extends SchedulerDeps {
  /** The PostgreSQL URL; graphile-worker keeps its own small pool (released on stop). */
  url: string;
}

export class ClusterScheduler implements Scheduler {
  readonly mode = 'cluster' as const;
  readonly events = new SchedulerEvents();
  private readonly loop: TriggerLoop;
  private runner: Runner | null = null;

  constructor(private readonly deps: ClusterSchedulerDeps) {
    // Two lanes: a burst's batches overlap in the database and in this process (trigger-loop.ts).
    this.loop = new TriggerLoop({
      store: deps.store,
      clock: deps.clock,
      events: this.events,
      batchSize: deps.batchSize ?? CLUSTER_FIRE_BATCH,
      lanes: 2,
    });
    observeScheduler(this.events, deps.log, deps.stats);
  }

  get running(): boolean {
    return this.loop.running && this.runner !== null;
  }

  async start(): Promise<void> {
    if (this.runner) return;
    // The loop's first pass fires what fell due while no instance ran (cause `recovery`).
    await this.loop.start();
    const log: Logger = this.deps.log.child({ component: 'graphile-worker' });
    const { run } = await graphileWorker();
    this.runner = await run({
      connectionString: this.deps.url,
      // One worker: jobs are the backstop (the timers fire), and graphile-worker's add_jobs and
      // remove_job NOTIFY every instance's idle workers, each of which then asks for a job — for
      // every write anywhere, though the job is due in a month. Two workers per instance made that
      // two `get_job` calls per write per instance (npm run bench, cluster section notes).
      concurrency: 1,
      maxPoolSize: 4,
      pollInterval: POLL_MS,
      noHandleSignals: true,
      logger: await workerLogger((level, message) => {
        if (level === 'error' || level === 'warning') log.warn(message);
        else log.debug(message);
      }),
      taskList: {
        [FIRE_TASK]: (payload) => this.fire(payload as FireJob),
        [HORIZON_TASK]: async () => {
          const added = await this.deps.store.write((tx) => sweepHorizon(tx.db));
          if (added > 0) log.debug(`horizon sweep: ${added} job(s) for triggers now due within the horizon`);
        },
      },
      // The horizon sweep (trigger-jobs.ts): graphile-worker's cron runs it once a minute in all.
      crontab: HORIZON_CRONTAB,
    });
  }

  async stop(): Promise<void> {
    const runner = this.runner;
    this.runner = null;
    // Stops taking jobs, waits for the running ones (short: one transaction each), ends its pool.
    await runner?.stop();
    await this.loop.stop();
  }

  /**
   * The job's handler: never before the due instant, then the same idempotent firing as the
   * timer. One poll can hand out several jobs of an event at once, to several workers; firing
   * all the event's triggers due by this one, in due order, in one batch keeps its phases in
   * order (a later boundary fired first would make the earlier one a no-op and skip a phase).
   */
  private async fire(job: FireJob): Promise<void> {
    const { clock, store } = this.deps;
    // The database's clock and ours may differ by a little: a trigger never fires early (SPEC §4).
    for (let wait = job.dueAt - clock.now(); wait > 0; wait = job.dueAt - clock.now()) await sleep(clock, wait);
    const startedAt = this.loop.startedAt;
    const batch = await fireBatch(store, { kind: 'event', eventId: job.eventId, upTo: Number(job.dueAt) }, clock, (dueAt) =>
      dueAt < startedAt ? 'recovery' : 'schedule',
    );
    // Empty: already fired (by a timer) or replaced by an edit.
    const first = batch.firings[0];
    if (first) this.events.emit('batch:fired', { ...batch, cause: first.cause, via: 'job' });
  }

  async status(): Promise<SchedulerStatus> {
    return schedulerStatus(this.deps, this.mode, this.running);
  }
}
