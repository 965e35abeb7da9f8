/** A history entry (SPEC §5) as the server handles it: a leaf module, types only. */
import type { HistoryCause, LifecycleState, TriggerKind } from '@kairos/core';

export interface HistoryRecord {
  seq: number;
  eventId: string;
  ownerId: string;
  at: number;
  cause: HistoryCause;
  actor: string | null;
  from: LifecycleState | null;
  to: LifecycleState;
  trigger: TriggerKind | null;
  dueAt: number | null;
  lateMs: number | null;
  reason: string | null;
}

export type NewHistory = Omit<HistoryRecord, 'seq'>;
