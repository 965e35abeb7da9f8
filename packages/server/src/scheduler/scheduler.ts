/**
 * The Scheduler port. Embedded mode fills it with the trigger loop (one exact in-process timer
 * over the SQLite triggers table); cluster mode with a PostgreSQL job queue beside the same loop.
 * Routes and services never see which.
 */
import type { TriggerKind } from '@kairos/core';
import type { SchedulerEvents } from './events.ts';

export interface TriggerInfo {
  eventId: string;
  title: string | null;
  trigger: TriggerKind;
  dueAt: string;
}

export interface FiringInfo extends TriggerInfo {
  firedAt: string;
  lateMs: number;
  cause: 'schedule' | 'recovery';
  /** False when the boundary changed nothing (another one at the same instant already did). */
  changed: boolean;
}

export interface SchedulerStatus {
  mode: 'embedded' | 'cluster';
  running: boolean;
  triggersQueued: number;
  nextTrigger: TriggerInfo | null;
  upcoming: TriggerInfo[];
  recent: FiringInfo[];
  lateness: { count: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null };
}

export interface Scheduler {
  readonly mode: 'embedded' | 'cluster';
  readonly running: boolean;
  /** What it does, as typed events (batches fired, timer armed, idle, recovered, errors). */
  readonly events: SchedulerEvents;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): Promise<SchedulerStatus>;
}
