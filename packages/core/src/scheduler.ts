/**
 * What `GET /api/v1/scheduler` answers (admin): the same shape in embedded and cluster mode.
 * The server's Scheduler port returns it; the admin dashboard reads it.
 */
import Type, { type Static } from 'typebox';
import { InstantString, Nullable, ScheduleKindSchema } from './schema.ts';

export const TriggerInfo = Type.Object({
  eventId: Type.String(),
  title: Nullable(Type.String()),
  trigger: ScheduleKindSchema,
  dueAt: InstantString,
});
export type TriggerInfo = Static<typeof TriggerInfo>;

export const FiringInfo = Type.Object({
  ...TriggerInfo.properties,
  firedAt: InstantString,
  lateMs: Type.Integer(),
  cause: Type.Enum(['schedule', 'recovery']),
  changed: Type.Boolean({ description: 'false when the boundary changed nothing (another at the same instant already did)' }),
});
export type FiringInfo = Static<typeof FiringInfo>;

export const SchedulerStatus = Type.Object({
  mode: Type.Enum(['embedded', 'cluster']),
  running: Type.Boolean(),
  triggersQueued: Type.Integer(),
  nextTrigger: Nullable(TriggerInfo),
  upcoming: Type.Array(TriggerInfo),
  recent: Type.Array(FiringInfo, { description: 'the latest firings, newest first' }),
  lateness: Type.Object({
    count: Type.Integer(),
    p50Ms: Nullable(Type.Integer()),
    p99Ms: Nullable(Type.Integer()),
    maxMs: Nullable(Type.Integer()),
  }),
});
export type SchedulerStatus = Static<typeof SchedulerStatus>;
