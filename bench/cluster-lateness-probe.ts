/**
 * Cluster lateness probe (issue 9): the cluster section's lateness row alone, for comparing two
 * versions back to back (the whole section takes six minutes and its writes rows run first).
 * Starts an embedded PostgreSQL and N `kairos serve` instances (default 3) on a fresh database,
 * imports 1 000 event starts falling due evenly over 20 s across them, and prints the server's
 * lateness (history `late_ms`) and one stream client's (on the last instance), p50 and p99.
 *
 *   npx tsx bench/cluster-lateness-probe.ts        # N=1 for one instance
 *
 * WRITES_MS=15000 first runs the section's creates and moves for that long each, as the section
 * does before its lateness row.
 */
import { pgClient, startCluster, stopCluster } from './lib/cluster.ts';
import { startPostgres } from './lib/postgres.ts';
import { dueRun, httpWrites, importMsPerEvent } from './sections/cluster-runs.ts';

const N = Number(process.env.N ?? 3);
const COUNT = 1000;
const WRITES_MS = Number(process.env.WRITES_MS ?? 0);
const DAY = 86_400_000;

const percentile = (xs: readonly number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] ?? Number.NaN;

const pgServer = await startPostgres();
try {
  const url = await pgServer.freshDatabase();
  const instances = await startCluster(url, N);
  const reader = await pgClient(url);
  try {
    if (WRITES_MS > 0) {
      const w = await httpWrites(instances, { inFlight: 12, ms: WRITES_MS, warmup: 50 * N, firstStart: Date.now() + 30 * DAY });
      console.log(`writes first: ${Math.round(w.creates.perSec)} creates/s, ${Math.round(w.moves.perSec)} moves/s`);
    }
    // Far enough ahead for the import to end before the first falls due (as the section does).
    const msPerEvent = await importMsPerEvent(instances, 200);
    const leadMs = Math.max(3000, Math.round(1.5 * msPerEvent * COUNT) + 2000);
    const r = await dueRun(instances, reader, {
      count: COUNT,
      spreadMs: 20_000,
      leadMs,
      waitMs: 30_000,
      title: 'Late',
      label: 'lateness',
    });
    console.log(
      `${N} instance(s): server p50 ${percentile(r.fired, 0.5)} ms, p99 ${percentile(r.fired, 0.99)} ms; ` +
        `SSE p50 ${percentile(r.streamed, 0.5)} ms, p99 ${percentile(r.streamed, 0.99)} ms; ` +
        `fired ${r.fired.length}, streamed ${r.streamed.length} of ${COUNT}`,
    );
  } finally {
    await reader.end();
    await stopCluster(instances);
  }
} finally {
  await pgServer.stop();
}
