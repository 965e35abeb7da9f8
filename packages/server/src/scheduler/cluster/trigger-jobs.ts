/**
 * Cluster mode's job queue is graphile-worker: one job per trigger row, keyed
 * `<eventId>:<trigger>`, added, re-timed and removed by SQL in the very transaction that changes
 * the row (I1: no "also tell the scheduler" afterwards). The `triggers` table stays the source of
 * truth — doctor and the firing read it — and a job is only a durable wake-up call for it.
 */
import type { ScheduleKind } from '@kairos/core';
import { type LogFunctionFactory, Logger, runMigrations } from 'graphile-worker';
import { sql } from 'kysely';
import type { TriggerJobs } from '../../db/unit-of-work.ts';

export const FIRE_TASK = 'kairos_fire';

/** What a job carries: the trigger row as it was when the job was written. */
export interface FireJob {
  eventId: string;
  trigger: ScheduleKind;
  dueAt: number;
}

const jobKey = (eventId: string, trigger: string): string => `${eventId}:${trigger}`;

/** graphile-worker talks through our logger, or not at all (migrations). */
export function workerLogger(log: (level: string, message: string) => void): Logger {
  const factory: LogFunctionFactory = () => (level, message) => log(level, message);
  return new Logger(factory);
}

export function graphileJobs(url: string): TriggerJobs {
  return {
    install: () => runMigrations({ connectionString: url, logger: workerLogger(() => {}) }),
    async scheduled(db, rows) {
      for (const r of rows) {
        const payload: FireJob = { eventId: r.eventId, trigger: r.trigger, dueAt: r.dueAt };
        // job_key_mode 'replace': a moved boundary re-times the one job instead of adding a second.
        await sql`select graphile_worker.add_job(${FIRE_TASK}, ${JSON.stringify(payload)}::json,
          run_at := to_timestamp(${r.dueAt}::double precision / 1000),
          job_key := ${jobKey(r.eventId, r.trigger)}, job_key_mode := 'replace')`.execute(db);
      }
    },
    async removed(db, eventId, triggers) {
      for (const t of triggers) await sql`select graphile_worker.remove_job(${jobKey(eventId, t)})`.execute(db);
    },
  };
}
