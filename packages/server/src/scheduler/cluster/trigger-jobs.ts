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
      if (rows.length === 0) return;
      // One statement for all of a write's (or an import's) rows: graphile-worker's bulk add_jobs.
      // With a job_key and preserve_run_at false it re-times an existing job, as add_job's
      // 'replace' mode does, so a moved boundary keeps one job.
      const specs = rows.map((r) => ({
        identifier: FIRE_TASK,
        payload: { eventId: r.eventId, trigger: r.trigger, dueAt: r.dueAt } satisfies FireJob,
        run_at: new Date(r.dueAt).toISOString(),
        job_key: jobKey(r.eventId, r.trigger),
      }));
      await sql`select 1 from graphile_worker.add_jobs(
        array(select json_populate_recordset(null::graphile_worker.job_spec, ${JSON.stringify(specs)}::json)), false)`.execute(
        db,
      );
    },
    async removed(db, rows) {
      if (rows.length === 0) return;
      // A firing batch takes hundreds of rows: one statement, not one round trip per event (a
      // 10 000-start burst spent most of its time here).
      const keys = rows.map((r) => jobKey(r.eventId, r.trigger));
      await sql`select graphile_worker.remove_job(k) from unnest(${keys}::text[]) as k`.execute(db);
    },
  };
}
