/**
 * The Scheduler port. Embedded mode fills it with one exact in-process timer over the SQLite
 * triggers table; cluster mode with a PostgreSQL job queue. Routes and services never see which.
 */
import type { SchedulerStatus } from '@kairos/core';

// The status shape is the API's (SPEC §6, `GET /scheduler`): one schema in core.
export type { FiringInfo, SchedulerStatus, TriggerInfo } from '@kairos/core';

export interface Scheduler {
  readonly mode: 'embedded' | 'cluster';
  readonly running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): Promise<SchedulerStatus>;
}
