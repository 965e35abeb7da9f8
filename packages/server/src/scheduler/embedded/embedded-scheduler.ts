/**
 * Embedded mode's scheduler: the trigger loop over the SQLite `triggers` table is all of it;
 * this adds the status report and wires the log and statistics to the loop's events.
 */

import type { SchedulerDeps } from '../deps.ts';
import { SchedulerEvents } from '../events.ts';
import { observeScheduler } from '../log.ts';
import type { Scheduler, SchedulerStatus } from '../scheduler.ts';
import { schedulerStatus } from '../status.ts';
import { TriggerLoop } from '../trigger-loop.ts';

export class EmbeddedScheduler implements Scheduler {
  readonly mode = 'embedded' as const;
  readonly events = new SchedulerEvents();
  private readonly loop: TriggerLoop;

  constructor(private readonly deps: SchedulerDeps) {
    this.loop = new TriggerLoop({ store: deps.store, clock: deps.clock, events: this.events, batchSize: deps.batchSize });
    observeScheduler(this.events, deps.log, deps.stats);
  }

  get running(): boolean {
    return this.loop.running;
  }

  start(): Promise<void> {
    return this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Resolves once no firing pass is running. */
  settled(): Promise<void> {
    return this.loop.settled();
  }

  async status(): Promise<SchedulerStatus> {
    return schedulerStatus(this.deps, this.mode, this.running);
  }
}
