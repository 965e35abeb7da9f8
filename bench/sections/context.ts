/** What every section gets: the run's sizes, the peers' infrastructure, and a way to report rows. */

import type { PostgresInstance } from '../lib/postgres.ts';
import { rowLine } from '../lib/progress.ts';
import type { RedisInstance } from '../lib/redis.ts';
import type { Row, Section } from '../lib/results.ts';
import type { PeerSpec } from '../peers/peer.ts';

export interface Sizes {
  pending: number[];
  sample: number;
  spreadMs: number;
  leadMs: number;
  burst: number;
  burstLeadMs: number;
  reschedule: number;
  /** Every system's reschedule run stops after this long (its rate counts what it moved). */
  rescheduleMaxMs: number;
  burstWaitMs: number;
  writesMs: number;
  /** Each list request is repeated queryReps times, or fewer (at least 3) once this much time went by. */
  queryMaxMs: number;
  volume: number;
  queryReps: number;
  deepPages: number;
  fanout: number[];
  fanoutMessages: number;
  /** Cluster rows (issue 9): instance counts, writers in flight, and each row's size. */
  clusterInstances: number[];
  clusterInFlight: number;
  clusterWritesMs: number;
  clusterIdleMs: number;
  /** Quiet time after the instances start before the idle count. */
  clusterSettleMs: number;
  clusterSample: number;
  clusterSpreadMs: number;
  clusterBurst: number;
  clusterWaitMs: number;
  /** The whole cluster section stops starting rows after this long (the full run stays bounded). */
  clusterMaxMs: number;
  /** The scaling rows hold each instance to this much CPU (cores), so that the instances are the limit. */
  clusterCpuPerInstance: number;
}

export const FULL: Sizes = {
  pending: [1000, 10_000, 100_000],
  sample: 500,
  spreadMs: 5000,
  leadMs: 3000,
  burst: 10_000,
  burstLeadMs: 8000,
  reschedule: 10_000,
  rescheduleMaxMs: 60_000,
  burstWaitMs: 30_000,
  writesMs: 15_000,
  queryMaxMs: 6000,
  volume: 1_000_000,
  queryReps: 50,
  deepPages: 100,
  fanout: [1000, 10_000],
  fanoutMessages: 5,
  clusterInstances: [1, 3],
  clusterInFlight: 12,
  clusterWritesMs: 15_000,
  clusterIdleMs: 30_000,
  clusterSettleMs: 10_000,
  clusterSample: 1000,
  clusterSpreadMs: 20_000,
  clusterBurst: 10_000,
  clusterWaitMs: 30_000,
  clusterMaxMs: 900_000,
  clusterCpuPerInstance: 0.25,
};

export const QUICK: Sizes = {
  pending: [1000],
  sample: 100,
  spreadMs: 1000,
  leadMs: 1500,
  burst: 500,
  burstLeadMs: 3000,
  reschedule: 300,
  rescheduleMaxMs: 10_000,
  burstWaitMs: 15_000,
  writesMs: 2000,
  queryMaxMs: 2000,
  volume: 20_000,
  queryReps: 10,
  deepPages: 10,
  fanout: [200, 1000],
  fanoutMessages: 2,
  clusterInstances: [1, 3],
  clusterInFlight: 12,
  clusterWritesMs: 2000,
  clusterIdleMs: 5000,
  clusterSettleMs: 2000,
  clusterSample: 100,
  clusterSpreadMs: 2000,
  clusterBurst: 500,
  clusterWaitMs: 10_000,
  clusterMaxMs: 300_000,
  clusterCpuPerInstance: 0.25,
};

export interface Ctx {
  quick: boolean;
  sizes: Sizes;
  redis: { stock: RedisInstance; hz100: RedisInstance } | null;
  pg: PostgresInstance | null;
  /** Why a peer family is missing from this run, by system. */
  missing: Record<string, string>;
}

/** Add a row to its section and print its one-line summary. */
export function addRow(section: Section, row: Row): void {
  section.rows.push(row);
  const cells = section.columns
    .map((c) => {
      const v = row.cells[c.key];
      return v === null || v === undefined ? null : `${c.label} ${typeof v === 'number' ? v.toFixed(c.digits ?? 1) : v}`;
    })
    .filter(Boolean)
    .join(' · ');
  const met = row.met === undefined || row.met === null ? '' : row.met ? ' ✓ goal met' : ' ✗ goal not met';
  rowLine(`  ${section.title} · ${row.group} · ${row.system}: ${cells}${met}`);
}

/**
 * The peers beside Kairos, each on fresh storage. 'all': defaults and each polling peer's most
 * precise setting, and BullMQ on a redis-server with `hz 100` too (a quick run keeps only the
 * precise ones); 'precise': the most precise setting of each; 'defaults': one configuration of
 * each (where polling does not matter).
 */
export async function peerSpecs(ctx: Ctx, variants: 'all' | 'precise' | 'defaults'): Promise<PeerSpec[]> {
  const precise = variants !== 'defaults';
  const defaults = variants === 'defaults' || (variants === 'all' && !ctx.quick);
  const specs: PeerSpec[] = [{ system: 'setTimeout', label: 'setTimeout per job' }];
  if (ctx.redis) {
    specs.push({ system: 'bullmq', label: 'BullMQ (redis stock)', redisPort: ctx.redis.stock.port });
    if (variants === 'all' && !ctx.quick)
      specs.push({ system: 'bullmq', label: 'BullMQ (redis hz 100)', redisPort: ctx.redis.hz100.port });
  }
  const pg = ctx.pg;
  if (pg) {
    const db = () => pg.freshDatabase();
    if (defaults)
      specs.push({ system: 'graphile-worker', label: 'graphile-worker (poll 2 s)', pgUrl: await db(), pollInterval: 2000 });
    if (precise)
      specs.push({ system: 'graphile-worker', label: 'graphile-worker (poll 20 ms)', pgUrl: await db(), pollInterval: 20 });
    if (defaults) specs.push({ system: 'pg-boss', label: 'pg-boss (poll 2 s)', pgUrl: await db(), pollingIntervalSeconds: 2 });
    if (precise) specs.push({ system: 'pg-boss', label: 'pg-boss (poll 0.5 s)', pgUrl: await db(), pollingIntervalSeconds: 0.5 });
  }
  return specs;
}
