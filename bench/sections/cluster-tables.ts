/** The cluster section's four tables (what each measures, its columns) and the rows of the due-trigger runs. */

import os from 'node:os';
import { HORIZON_MS } from '@kairos/server';
import type { Section } from '../lib/results.ts';
import { round, summarise } from '../lib/stats.ts';
import { BURST_COLUMNS } from './burst.ts';
import type { DueRun } from './cluster-runs.ts';
import { addRow, type Sizes } from './context.ts';
import { fmtCount } from './lateness.ts';

/**
 * Requests sent before the writes are timed, per process serving them (each instance; the bare
 * yardstick's one): V8 optimises a process's hot paths only as they run. With 24 in all, a
 * 3-instance run timed mostly cold instances: 5.2 ms of instance CPU per create over each one's
 * first 200 creates, 4.4 ms over 1 333 (`INSTANCES=3 COUNT=600|4000 bench/statements-probe.ts`).
 */
export const WARMUP_PER_PROCESS = 400;

const instancesText = (z: Sizes) => z.clusterInstances.join(' and ');

export function clusterTables(z: Sizes) {
  const sec = (s: number) => `${s / 1000} s`;
  const common = `\`kairos serve\` in cluster mode (KAIROS_DB=postgres://…), ${instancesText(z)} instances on one fresh database of the run's embedded PostgreSQL each time, LOG_LEVEL=warn.`;
  const writeGroups = {
    creates: `event creates, ${z.clusterInFlight} in flight`,
    moves: `\`PATCH\` moves, ${z.clusterInFlight} in flight`,
  };
  const idle: Section = {
    id: 'cluster-idle',
    title: 'Cluster: idle cost',
    about: `${common} Statements per second the instances send to the cluster's database (pg_stat_statements: every top-level statement, BEGIN and COMMIT included) while no client asks anything, counted over ${sec(z.clusterIdleMs)} after ${sec(z.clusterSettleMs)} of quiet once the instances are ready; the bench reads the counters from another database.`,
    columns: [
      { key: 'perInstance', label: 'queries/s per instance', digits: 2 },
      { key: 'total', label: 'queries/s in all', digits: 2 },
    ],
    rows: [],
    notes: [],
  };
  const writes: Section = {
    id: 'cluster-writes',
    title: 'Cluster: writes',
    about: `${common} \`POST /events\` (start and end a month out: 2 triggers, 1 history entry; no jobs, as both are beyond the job horizon of ${HORIZON_MS / 60_000} min) for ${sec(z.clusterWritesMs)}, then \`PATCH\` date moves of the events just created (both triggers re-timed, 1 history entry) for ${sec(z.clusterWritesMs)}, each with ${z.clusterInFlight} requests in flight after a warm-up of ${WARMUP_PER_PROCESS} requests per instance, request i sent to instance i mod n. The yardstick, bare PostgreSQL, writes the same rows at the same concurrency from ${z.clusterInFlight} \`pg\` connections (after ${WARMUP_PER_PROCESS} of its own), one transaction per event, into a database Kairos migrated: create = the events row, its triggers rows, graphile-worker jobs (one \`add_jobs\`, a job_key each) for the triggers within the horizon, the history row; move = the events row updated, its triggers rows re-timed, the jobs within the horizon re-timed by \`add_jobs\`, the history row. It leaves out what is the server's way rather than rows: HTTP, the session lookup, reads before writing, locks, the commit NOTIFY. The CPU columns (\`/proc\`, over the timed requests only) say where each write's CPU went: the instances (summed), every PostgreSQL process, the load client (this bench's process, which is also the bare yardstick's client), and how many of the machine's cores were busy on average. Where every core is busy, writes/s is the cores divided by the CPU a write costs summed over all three; where some are idle, something else bounds it (for one instance, its one JavaScript thread).`,
    columns: [
      { key: 'perSec', label: 'writes/s', digits: 0 },
      { key: 'p50', label: 'p50 ms' },
      { key: 'p99', label: 'p99 ms' },
      { key: 'failed', label: 'failed', digits: 0 },
      { key: 'serversMs', label: 'instances CPU ms/write', digits: 2 },
      { key: 'postgresMs', label: 'PostgreSQL CPU ms/write', digits: 2 },
      { key: 'clientMs', label: 'client CPU ms/write', digits: 2 },
      { key: 'coresBusy', label: `cores busy of ${os.cpus().length}`, digits: 2 },
    ],
    compare: {
      key: 'perSec',
      lowerIsBetter: false,
      label: 'Kairos ÷ bare',
      note: 'Kairos ÷ bare compares `writes/s` with bare PostgreSQL writing the same rows at the same concurrency.',
    },
    rows: [],
    notes: [],
  };
  const scaling: Section = {
    id: 'cluster-scaling',
    title: 'Cluster: writes as instances are added',
    about: `The writes table's creates and moves (same requests, ${z.clusterInFlight} in flight, ${sec(z.clusterWritesMs)} each, after the same warm-up), through ${instancesText(z)} instances, each held to ${z.clusterCpuPerInstance} CPU by a cgroup of its own (cgroup v1 \`cpu.cfs_quota_us\`), as if each ran on a small machine of its own; PostgreSQL and the load client are not held. In the writes table every instance shares this machine's ${os.cpus().length} cores with PostgreSQL and the load client, so adding an instance adds no CPU, only processes to share it: that table measures the cost of a write, this one whether instances add throughput when they are what limits it (no cluster-wide lock, no queue between them).`,
    columns: [
      { key: 'creates', label: 'creates/s', digits: 0 },
      { key: 'moves', label: 'moves/s', digits: 0 },
      { key: 'createsX', label: 'creates ÷ 1 instance', digits: 2 },
      { key: 'movesX', label: 'moves ÷ 1 instance', digits: 2 },
    ],
    rows: [],
    notes: [],
  };
  const lateness: Section = {
    id: 'cluster-lateness',
    title: 'Cluster: firing lateness',
    about: `${common} ${fmtCount(z.clusterSample)} event starts falling due evenly over ${sec(z.clusterSpreadMs)}, added through the instances' import (split over them) early enough to finish before the first is due; the instances also hold the writes rows' events and 200 imported ones, all due later. Server: history \`lateMs\` of each firing, whichever instance fired it; SSE: message received by one stream client on the last instance − due instant. "missing": not fired, "unstreamed": not received, ${sec(z.clusterWaitMs)} after the last due instant.`,
    columns: [
      { key: 'p50', label: 'server p50 ms' },
      { key: 'p99', label: 'server p99 ms' },
      { key: 'max', label: 'server max ms' },
      { key: 'sseP50', label: 'SSE p50 ms' },
      { key: 'sseP99', label: 'SSE p99 ms' },
      { key: 'early', label: 'early', digits: 0 },
      { key: 'missing', label: 'missing', digits: 0 },
      { key: 'unstreamed', label: 'unstreamed', digits: 0 },
    ],
    rows: [],
    notes: [],
  };
  const burst: Section = {
    id: 'cluster-burst',
    title: 'Cluster: burst',
    about: `${common} ${fmtCount(z.clusterBurst)} event starts due at one instant, added through the instances' import (split over them) before it. Times are ms after the instant: first and last firing (history \`at\`, whichever instance fired it), first and last message received by one stream client on the last instance. "missing" / "unstreamed": not fired / not received ${sec(z.clusterWaitMs)} after the instant.`,
    columns: [...BURST_COLUMNS, { key: 'unstreamed', label: 'unstreamed', digits: 0 }],
    rows: [],
    notes: [],
  };

  /** Adding the triggers overran their lead: what was measured includes the adding, and says nothing of the goal. */
  const overran = (section: Section, system: string, r: DueRun): boolean => {
    section.notes.push(
      `${system}: importing them took ${Math.round(r.addMs)} ms; the first fell due ${r.leadMs} ms after the import began.`,
    );
    if (r.addMs <= r.leadMs) return false;
    section.notes.push(
      `${system}: adding the triggers took ${Math.round(r.addMs)} ms, longer than their ${r.leadMs} ms lead; the row is not comparable with the goal.`,
    );
    return true;
  };

  return {
    idle,
    writes,
    scaling,
    lateness,
    burst,
    writeGroups,
    latenessRow(system: string, r: DueRun, count: number): void {
      const s = summarise(r.fired);
      const e = summarise(r.streamed);
      const cells = {
        p50: round(s.p50),
        p99: round(s.p99),
        max: round(s.max),
        sseP50: round(e.p50),
        sseP99: round(e.p99),
        early: r.fired.filter((x) => x < 0).length,
        missing: count - r.fired.length,
        unstreamed: count - r.streamed.length,
      };
      const ok = cells.missing === 0 && cells.unstreamed === 0 && cells.early === 0 && s.p99 <= 20 && e.p99 <= 50;
      addRow(lateness, {
        group: `${fmtCount(count)} over ${sec(z.clusterSpreadMs)}`,
        system,
        kairos: true,
        cells,
        goal: 'server p99 ≤ 20 ms, SSE p99 ≤ 50 ms, never early',
        met: overran(lateness, system, r) ? null : ok,
      });
    },
    burstRow(system: string, r: DueRun, count: number): void {
      const f = summarise(r.fired);
      const s = summarise(r.streamed);
      const missing = count - r.fired.length;
      const unstreamed = count - r.streamed.length;
      addRow(burst, {
        group: `${fmtCount(count)} due at one instant`,
        system,
        kairos: true,
        cells: {
          firstFired: round(f.min),
          lastFired: round(f.max),
          firstStream: round(s.min),
          lastStream: round(s.max),
          missing,
          unstreamed,
        },
        goal: 'all fired and streamed within 2 s',
        met: overran(burst, system, r) ? null : missing === 0 && unstreamed === 0 && f.max <= 2000 && s.max <= 2000,
      });
    },
  };
}
