/**
 * Cluster mode's job queue is graphile-worker: a job per trigger row that falls due within the
 * next `HORIZON_MS`, keyed `<eventId>:<trigger>`, added, re-timed and removed by SQL in the very
 * transaction that changes the row (I1: no "also tell the scheduler" afterwards). The `triggers`
 * table stays the source of truth — doctor and the firing read it — and a job is only a durable
 * wake-up call for it.
 *
 * Why a horizon (issue 9): a job for every trigger made every write pay for graphile-worker's
 * `add_jobs` (half the database time of a create) and woke every instance's worker to ask for a
 * job due in a month. Rows further out get their job from the horizon sweep (`HORIZON_TASK`, a
 * graphile-worker cron item that runs once a minute cluster-wide): every trigger still has its
 * job minutes before it falls due, and a trigger needs no job before then — the instances'
 * exact timers fire it, the job is the backstop.
 */
import type { ScheduleKind } from '@kairos/core';
import type { LogFunctionFactory, Logger } from 'graphile-worker';
import { sql } from 'kysely';
import type { Db, TriggerJobs } from '../../db/unit-of-work.ts';
import type { TriggerRow } from '../../features/events/event.record.ts';

export const FIRE_TASK = 'kairos_fire';
export const HORIZON_TASK = 'kairos_horizon';

/** Triggers due within this long have a job; the sweep below adds the rest as they come near. */
export const HORIZON_MS = 10 * 60_000;

/**
 * A row due beyond this had no job made for it: a write's "now" is its instance's clock, the
 * sweep's the database's, so the edge is soft, and a removal looks twice as far (instances'
 * clocks disagree by seconds, not minutes). A job left behind anyway is harmless: it fires its
 * event's triggers due by its own instant, and there are none.
 */
const REMOVAL_MS = 2 * HORIZON_MS;

/** Once a minute, on whichever instance graphile-worker's cron picks; one job at a time. */
export const HORIZON_CRONTAB = `* * * * * ${HORIZON_TASK} ?max=1&jobKey=${HORIZON_TASK}&jobKeyMode=replace`;

/** What a job carries: the trigger row as it was when the job was written. */
export interface FireJob {
  eventId: string;
  trigger: ScheduleKind;
  dueAt: number;
}

const jobKey = (eventId: string, trigger: string): string => `${eventId}:${trigger}`;

/**
 * graphile-worker itself, loaded on first use: only cluster mode needs it, and loading it cost
 * every SQLite start about 165 ms of CPU (the test suites start hundreds).
 */
export const graphileWorker = () => import('graphile-worker');

/** graphile-worker talks through our logger, or not at all (migrations). */
export async function workerLogger(log: (level: string, message: string) => void): Promise<Logger> {
  const { Logger } = await graphileWorker();
  const factory: LogFunctionFactory = () => (level, message) => log(level, message);
  return new Logger(factory);
}

/** One statement for all rows: graphile-worker's bulk add_jobs. */
async function addJobs(db: Db, rows: readonly TriggerRow[]): Promise<void> {
  if (rows.length === 0) return;
  // With a job_key and preserve_run_at false it re-times an existing job, as add_job's 'replace'
  // mode does, so a moved boundary keeps one job.
  const specs = rows.map((r) => ({
    identifier: FIRE_TASK,
    payload: { eventId: r.eventId, trigger: r.trigger, dueAt: r.dueAt } satisfies FireJob,
    run_at: new Date(r.dueAt).toISOString(),
    job_key: jobKey(r.eventId, r.trigger),
  }));
  await sql`select 1 from graphile_worker.add_jobs(
    array(select json_populate_recordset(null::graphile_worker.job_spec, ${JSON.stringify(specs)}::json)), false)`.execute(db);
}

export function graphileJobs(url: string, now: () => number = Date.now): TriggerJobs {
  return {
    install: async () => {
      const { runMigrations } = await graphileWorker();
      await runMigrations({ connectionString: url, logger: await workerLogger(() => {}) });
    },
    scheduled(db, rows) {
      const edge = now() + HORIZON_MS;
      return addJobs(
        db,
        rows.filter((r) => r.dueAt <= edge),
      );
    },
    async removed(db, rows) {
      const edge = now() + REMOVAL_MS;
      // A firing batch takes hundreds of rows: one statement, not one round trip per event (a
      // 10 000-start burst spent most of its time here).
      const keys = rows.filter((r) => r.dueAt <= edge).map((r) => jobKey(r.eventId, r.trigger));
      if (keys.length === 0) return;
      // complete_jobs, not remove_job: remove_job NOTIFYs every worker once per job it deletes,
      // each with a distinct payload (10 000 notifications for a 10 000-start burst, each worker
      // then asking for a job); complete_jobs is one set-based delete. A job running right now is
      // left to finish (it finds its trigger taken); a new job for the same key replaces it.
      await sql`select count(*) from graphile_worker.complete_jobs(
        array(select id from graphile_worker.jobs where key = any(${keys}::text[])))`.execute(db);
    },
  };
}

/**
 * The horizon sweep: a job for every trigger due within `HORIZON_MS` of the database's clock
 * that has none (rows that came near since they were written, or were written by a version that
 * made jobs differently). Returns how many it added.
 */
export async function sweepHorizon(db: Db): Promise<number> {
  const { rows } = await sql<{ eventId: string; trigger: ScheduleKind; dueAt: string | number }>`
    select t.event_id, t.trigger, t.due_at from triggers t
    where t.due_at <= (extract(epoch from now()) * 1000)::bigint + ${HORIZON_MS}
      and not exists (select 1 from graphile_worker.jobs j where j.key = t.event_id || ':' || t.trigger)`.execute(db);
  await addJobs(
    db,
    rows.map((r) => ({ eventId: r.eventId, trigger: r.trigger, dueAt: Number(r.dueAt) })),
  );
  return rows.length;
}
