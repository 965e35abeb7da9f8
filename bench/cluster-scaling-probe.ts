/**
 * Cluster scaling probe (issue 9): do writes grow with instances when the instances, not the
 * machine, are what limits them? On one 2-core machine three instances share the cores with
 * PostgreSQL and the load client, so the cluster section cannot show it (decision 8). Here each
 * instance is held to a CPU quota of its own, as if each ran on a small machine of its own (a
 * cgroup v1 `cpu` group per instance: Linux, root), and the section's creates then moves run
 * through 1, then 3 instances on fresh databases of one embedded PostgreSQL, which is not capped.
 *
 *   CPU_PER_INSTANCE=0.25 npx tsx bench/cluster-scaling-probe.ts     # WRITES_MS=10000 each
 */
import { capEach, quotaProblem } from './lib/cgroup.ts';
import { startCluster, stopCluster } from './lib/cluster.ts';
import { startPostgres } from './lib/postgres.ts';
import { httpWrites } from './sections/cluster-runs.ts';

const CPU = Number(process.env.CPU_PER_INSTANCE ?? 0.25);
const WRITES_MS = Number(process.env.WRITES_MS ?? 10_000);
const IN_FLIGHT = 12;
const DAY = 86_400_000;

const problem = quotaProblem();
if (problem) throw new Error(problem);
const pgServer = await startPostgres();
const rates: Record<number, { creates: number; moves: number }> = {};
try {
  for (const n of [1, 3]) {
    const url = await pgServer.freshDatabase();
    const instances = await startCluster(url, n);
    let uncap = () => {};
    try {
      uncap = capEach(
        instances.map((k) => k.pid),
        CPU,
      );
      const w = await httpWrites(instances, {
        inFlight: IN_FLIGHT,
        ms: WRITES_MS,
        warmup: 100 * n,
        firstStart: Date.now() + 30 * DAY,
      });
      rates[n] = { creates: Math.round(w.creates.perSec), moves: Math.round(w.moves.perSec) };
      console.log(`${n} instance(s) at ${CPU} CPU each: ${rates[n].creates} creates/s, ${rates[n].moves} moves/s`);
    } finally {
      await stopCluster(instances);
      uncap();
    }
  }
} finally {
  await pgServer.stop();
}
const [one, three] = [rates[1], rates[3]];
if (one && three) {
  const x = (a: number, b: number) => (a / b).toFixed(2);
  console.log(`3 ÷ 1 instance: creates ${x(three.creates, one.creates)}×, moves ${x(three.moves, one.moves)}×`);
}
