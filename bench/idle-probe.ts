/**
 * Idle cost of a cluster instance (issue 9): statements per second one idle `kairos serve` sends
 * to PostgreSQL, from pg_stat_statements (the cluster section's idle row, alone). Usage:
 * tsx bench/idle-probe.ts [seconds]
 *
 * It read pg_stat_database's transaction counters before; those undercount an idle instance,
 * whose pooled connections publish their counters only once busy again (lib/cluster.ts).
 */
import {
  countStatements,
  databaseOf,
  idleQueriesPerSec,
  pgClient,
  STATEMENT_COUNTING,
  startCluster,
  stopCluster,
} from './lib/cluster.ts';
import { sleep } from './lib/net.ts';
import { startPostgres } from './lib/postgres.ts';
import { installExitHandlers, releaseAll } from './lib/procs.ts';

const seconds = Number(process.argv[2] ?? 60);
installExitHandlers();
const server = await startPostgres(STATEMENT_COUNTING);
const url = await server.freshDatabase();
const admin = await pgClient(server.url);
await countStatements(admin);
const instances = await startCluster(url, 1);
await sleep(15_000);
const rate = await idleQueriesPerSec(admin, databaseOf(url), seconds * 1000);
console.log(`idle: ${rate.toFixed(2)} queries/s over ${seconds} s`);
await admin.end();
await stopCluster(instances);
await releaseAll();
process.exit(0);
