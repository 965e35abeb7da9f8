import type { EventView, HistoryEntryView, Role } from '@kairos/core';

export type { EventView, HistoryEntryView };

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
}

export interface TriggerInfo {
  eventId: string;
  title: string | null;
  trigger: string;
  dueAt: string;
}

export interface SchedulerStatus {
  mode: string;
  running: boolean;
  triggersQueued: number;
  nextTrigger: TriggerInfo | null;
  upcoming: TriggerInfo[];
  recent: Array<TriggerInfo & { firedAt: string; lateMs: number; cause: string; changed: boolean }>;
  lateness: { count: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null };
}
