/**
 * The Scheduler port. Embedded mode fills it with the trigger loop (one exact in-process timer
 * over the SQLite triggers table); cluster mode with a PostgreSQL job queue beside the same loop.
 * Routes and services never see which.
 */
import type { SchedulerStatus } from '@kairos/core';
import type { SchedulerEvents } from './events.ts';

// The status shape is the API's (SPEC §6, `GET /scheduler`): one schema in core.
export type { FiringInfo, SchedulerStatus, TriggerInfo } from '@kairos/core';

export interface Scheduler {
  readonly mode: 'embedded' | 'cluster';
  readonly running: boolean;
  /** What it does, as typed events (batches fired, timer armed, idle, recovered, errors). */
  readonly events: SchedulerEvents;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): Promise<SchedulerStatus>;
}
