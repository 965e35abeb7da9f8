/**
 * The cluster writes' yardstick: the rows a Kairos create (or date move) writes, written straight
 * into PostgreSQL by `pg` clients of this process, one transaction per event, no HTTP, no server.
 * The database is migrated by Kairos itself, so the tables, indexes (the trigram ones too) and
 * graphile-worker's queue are the ones the cluster writes into.
 *
 * Create, as the events and history repositories and trigger-jobs.ts write it: the events row,
 * one triggers row per pending boundary, graphile-worker jobs for those due within the job horizon
 * (`HORIZON_MS`) in one `add_jobs` with a job_key each, the `create` history row (returning its seq).
 * Move: the events row updated (dates, version, updated_at), its triggers rows re-timed, the jobs
 * of those within the horizon re-timed by `add_jobs` on the same job_keys, the `edit` history row.
 * (The section's events start a month out: no jobs, on either side.)
 * Left out, because they are how the server does it rather than rows: session lookup, reads
 * before the write, the write lock, the commit NOTIFY, the webhook subscriptions check.
 */
import { randomBytes } from 'node:crypto';
import { type Boundary, pendingTriggers, resolveEventFields, stateAt } from '@kairos/core';
import { HORIZON_MS } from '@kairos/server';
import pg from 'pg';
import { type DriveResult, keepBusy } from './drive.ts';

const FIRE_TASK = 'kairos_fire';
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export interface WrittenEvent {
  id: string;
  startsAt: number;
}

const ADD_JOBS = `select 1 from graphile_worker.add_jobs(
  array(select json_populate_recordset(null::graphile_worker.job_spec, $1::json)), false)`;

const HISTORY = `insert into history (event_id, owner_id, at, cause, actor, from_status, from_phase,
  to_status, to_phase, trigger, due_at, late_ms, reason)
  values ($1, $2, $3, $4, $2, $5, $6, $7, $8, null, null, null, null) returning seq`;

/** add_jobs for the boundaries within the horizon, as trigger-jobs.ts does; nothing when there are none. */
async function addJobs(c: pg.PoolClient, eventId: string, boundaries: Boundary[]): Promise<void> {
  const near = boundaries.filter((b) => b.at <= Date.now() + HORIZON_MS);
  if (near.length > 0) await c.query(ADD_JOBS, [jobSpecs(eventId, near)]);
}

function jobSpecs(eventId: string, boundaries: Boundary[]): string {
  return JSON.stringify(
    boundaries.map((b) => ({
      identifier: FIRE_TASK,
      payload: { eventId, trigger: b.trigger, dueAt: b.at },
      run_at: new Date(b.at).toISOString(),
      job_key: `${eventId}:${b.trigger}`,
    })),
  );
}

async function inTransaction(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<void>): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('begin');
    await fn(c);
    await c.query('commit');
  } catch (e) {
    await c.query('rollback').catch(() => {});
    throw e;
  } finally {
    c.release();
  }
}

async function createEvent(pool: pg.Pool, adminId: string, title: string, startsAt: number): Promise<WrittenEvent> {
  const fields = resolveEventFields(
    { title, startsAt: new Date(startsAt).toISOString(), endsAt: new Date(startsAt + 3_600_000).toISOString() },
    null,
    'UTC',
  );
  const now = Date.now();
  const id = `ev_${randomBytes(12).toString('base64url')}`;
  const state = stateAt(fields, 'upcoming', now);
  const row = { id, ...fields, ...state, version: 1, createdBy: adminId, createdAt: now, updatedAt: now };
  const cols = Object.keys(row);
  const triggers = pendingTriggers(fields, now);
  await inTransaction(pool, async (c) => {
    await c.query(
      `insert into events (${cols.map(snake).join(', ')}) values (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
      Object.values(row),
    );
    const values = triggers.map((_, i) => `($1, $${2 * i + 2}, $${2 * i + 3})`).join(', ');
    await c.query(`insert into triggers (event_id, trigger, due_at) values ${values}`, [
      id,
      ...triggers.flatMap((b) => [b.trigger, b.at]),
    ]);
    await addJobs(c, id, triggers);
    await c.query(HISTORY, [id, adminId, now, 'create', null, null, state.status, state.phase]);
  });
  return { id, startsAt };
}

async function moveEvent(pool: pg.Pool, adminId: string, e: WrittenEvent, startsAt: number): Promise<void> {
  const endsAt = startsAt + 3_600_000;
  const now = Date.now();
  const dates = { startsAt, endsAt, registrationOpensAt: null, registrationClosesAt: null };
  const triggers = pendingTriggers({ ...dates, certificatesOpenAt: null, certificatesCloseAt: null }, now);
  await inTransaction(pool, async (c) => {
    const updated = await c.query<{ status: string; phase: string }>(
      'update events set starts_at = $2, ends_at = $3, version = version + 1, updated_at = $4 where id = $1 returning status, phase',
      [e.id, startsAt, endsAt, now],
    );
    const state = updated.rows[0];
    if (!state) throw new Error(`bare move: no event ${e.id}`);
    const values = triggers.map((_, i) => `($${2 * i + 2}, $${2 * i + 3}::bigint)`).join(', ');
    await c.query(
      `update triggers t set due_at = v.due from (values ${values}) as v(trigger, due)
        where t.event_id = $1 and t.trigger = v.trigger`,
      [e.id, ...triggers.flatMap((b) => [b.trigger, b.at])],
    );
    await addJobs(c, e.id, triggers);
    await c.query(HISTORY, [e.id, adminId, now, 'edit', state.status, state.phase, state.status, state.phase]);
  });
  e.startsAt = startsAt;
}

export interface BareRun {
  creates: DriveResult;
  moves: DriveResult;
}

/**
 * Creates for `ms`, then moves of the events created for `ms`, each with `inFlight` clients
 * (a pool of that many connections), on `url` (a database Kairos migrated, with user `adminId`).
 */
export async function bareWrites(
  url: string,
  adminId: string,
  opts: { inFlight: number; ms: number; warmup: number; firstStart: number },
): Promise<BareRun> {
  const pool = new pg.Pool({ connectionString: url, max: opts.inFlight });
  pool.on('error', () => {});
  try {
    const events: WrittenEvent[] = [];
    const creates = await keepBusy({ ...opts, label: 'bare PostgreSQL: create rows' }, async (i) => {
      events.push(await createEvent(pool, adminId, `Bare ${i}`, opts.firstStart + (i % 10_000) * 60_000));
      return true;
    });
    if (events.length < 2 * opts.inFlight) throw new Error(`bare: only ${events.length} events to move`);
    const moves = await keepBusy({ ...opts, label: 'bare PostgreSQL: move rows' }, async (i) => {
      const e = events[i % events.length] as WrittenEvent;
      await moveEvent(pool, adminId, e, e.startsAt + 60_000);
      return true;
    });
    return { creates, moves };
  } finally {
    await pool.end();
  }
}
