import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Store } from '../db/store.ts';
import type { FiringStats } from './stats.ts';

/** What either scheduler is built from. */
export interface SchedulerDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  stats: FiringStats;
  /** Triggers fired per transaction (the default is measured: see trigger-loop.ts). */
  batchSize?: number | undefined;
}
