/**
 * Statements probe (issue 9): what one cluster write costs in round trips, counted rather than
 * timed, so it reads the same on a busy machine. Starts an embedded PostgreSQL with
 * pg_stat_statements and N `kairos serve` instances (cluster mode), sends creates then PATCH date
 * moves round-robin, and prints each statement the instances sent per write request
 * (the server's own statements only: the probe reads the counters from another database).
 *
 *   npx tsx bench/statements-probe.ts            # 1 instance, 4 in flight, 400 of each
 *   INSTANCES=3 IN_FLIGHT=12 COUNT=1000 npx tsx bench/statements-probe.ts
 *   PROFILE_DIR=/tmp/prof npx tsx bench/statements-probe.ts   # and a CPU profile of each instance
 *   INSTANCES=3 ONLY_FIRST=1 npx tsx bench/statements-probe.ts # every request to the first instance
 *
 * Instance CPU is also split into the main (JavaScript) thread and the others (V8's compiler and
 * GC helpers, libuv's pool): decision 10 compares them between one and three instances.
 */
import fs from 'node:fs';
import { countStatements, databaseOf, oneShot, pgClient, STATEMENT_COUNTING, startCluster, stopCluster } from './lib/cluster.ts';
import { postgresSeconds } from './lib/cpu.ts';
import type { Kairos } from './lib/kairos.ts';
import { startPostgres } from './lib/postgres.ts';

const INSTANCES = Number(process.env.INSTANCES ?? 1);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 4);
const COUNT = Number(process.env.COUNT ?? 400);
const DAY = 86_400_000;

const short = (q: string) => q.replace(/\s+/g, ' ').trim().slice(0, 110);

/** CPU seconds (user + system) the instances used so far, from /proc. */
const cpuOf = (instances: readonly Kairos[]) => userCpuOf(instances) + systemCpuOf(instances);

/** Field `n` (after the command) of each instance's /proc stat, in seconds, summed: 11 is user time, 12 system. */
const statOf = (instances: readonly Kairos[], n: number) =>
  instances.reduce((sum, k) => {
    const stat = fs.readFileSync(`/proc/${k.pid}/stat`, 'utf8');
    return sum + Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n]) / 100;
  }, 0);
/** CPU seconds of the instances' main threads (the thread whose id is the pid), summed. */
const mainThreadCpuOf = (instances: readonly Kairos[]) =>
  instances.reduce((sum, k) => {
    const stat = fs.readFileSync(`/proc/${k.pid}/task/${k.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return sum + (Number(fields[11]) + Number(fields[12])) / 100;
  }, 0);
const userCpuOf = (instances: readonly Kairos[]) => statOf(instances, 11);
const systemCpuOf = (instances: readonly Kairos[]) => statOf(instances, 12);

const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function count(
  admin: Awaited<ReturnType<typeof pgClient>>,
  database: string,
  instances: readonly Kairos[],
  run: () => Promise<number>,
): Promise<void> {
  await admin.query('select pg_stat_statements_reset()');
  const [cpu0, sys0, main0, pg0, own0, t0] = [
    cpuOf(instances),
    systemCpuOf(instances),
    mainThreadCpuOf(instances),
    postgresSeconds(),
    ownCpu(),
    performance.now(),
  ];
  const requests = await run();
  const per = (seconds: number) => ((seconds * 1000) / requests).toFixed(2);
  const cpuMs = ((cpuOf(instances) - cpu0) * 1000) / requests;
  const systemMs = ((systemCpuOf(instances) - sys0) * 1000) / requests;
  const mainMs = ((mainThreadCpuOf(instances) - main0) * 1000) / requests;
  console.log(
    `  ${((requests * 1000) / (performance.now() - t0)).toFixed(0)}/s; CPU per request: PostgreSQL ${per(postgresSeconds() - pg0)} ms, this client ${per(ownCpu() - own0)} ms`,
  );
  const r = await admin.query<{ query: string; calls: string; ms: number }>(
    `select s.query, s.calls, s.total_exec_time as ms from pg_stat_statements s join pg_database d on d.oid = s.dbid
      where d.datname = $1 order by s.calls desc`,
    [database],
  );
  const total = r.rows.reduce((sum, row) => sum + Number(row.calls), 0);
  console.log(
    `  ${requests} requests, ${cpuMs.toFixed(2)} ms of instance CPU (${mainMs.toFixed(2)} on main threads, ${systemMs.toFixed(2)} in the kernel) and ${(total / requests).toFixed(2)} statements per request:`,
  );
  for (const row of r.rows.filter((x) => Number(x.calls) / requests >= 0.02)) {
    const ms = ((Number(row.ms) * 1000) / Number(row.calls)).toFixed(0).padStart(5);
    console.log(`    ${(Number(row.calls) / requests).toFixed(2).padStart(6)} ${ms} µs  ${short(row.query)}`);
  }
}

/** `count` requests, `inFlight` at a time; request i goes to instance i mod n. */
async function pool(count: number, fn: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await fn(i);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return count;
}

// PROFILE_DIR=… : the instances run under `node --cpu-prof` (Node 20 refuses it in NODE_OPTIONS).
if (process.env.PROFILE_DIR) {
  const fs = await import('node:fs');
  const wrapper = `${process.env.PROFILE_DIR}/node`;
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec ${process.execPath} --cpu-prof --cpu-prof-dir=${process.env.PROFILE_DIR} "$@"\n`, {
    mode: 0o755,
  });
  Object.defineProperty(process, 'execPath', { value: wrapper, configurable: true });
}

const pgServer = await startPostgres(STATEMENT_COUNTING);
try {
  const url = await pgServer.freshDatabase();
  const admin = await pgClient(pgServer.url);
  await countStatements(admin);
  const instances = await startCluster(url, INSTANCES);
  try {
    const database = databaseOf(url);
    const at = (i: number) => instances[process.env.ONLY_FIRST ? 0 : i % instances.length] as Kairos;
    const first = Date.now() + 30 * DAY;
    const events: Array<{ id: string; startsAt: number }> = [];
    console.log(`${INSTANCES} instance(s), ${IN_FLIGHT} in flight, ${COUNT} of each. POST /events:`);
    await count(admin, database, instances, () =>
      pool(COUNT, async (i) => {
        const startsAt = first + i * 60_000;
        const r = await at(i).api('POST', '/events', { json: oneShot(`Probe ${i}`, startsAt) });
        if (r.status !== 201) throw new Error(`POST /events: ${r.status} ${r.text.slice(0, 200)}`);
        events.push({ id: r.json.id as string, startsAt });
      }),
    );
    console.log('PATCH date moves:');
    await count(admin, database, instances, () =>
      pool(COUNT, async (i) => {
        const e = events[i] as (typeof events)[number];
        const { title: _, ...dates } = oneShot('', e.startsAt + 60_000);
        const r = await at(i).api('PATCH', `/events/${e.id}`, { json: dates });
        if (r.status !== 200) throw new Error(`PATCH: ${r.status} ${r.text.slice(0, 200)}`);
      }),
    );
    // The floor under every write: an authenticated request that reads only its session.
    console.log('GET /auth/me (HTTP and the session lookup alone):');
    await count(admin, database, instances, () =>
      pool(COUNT, async (i) => {
        const r = await at(i).api('GET', '/auth/me');
        if (r.status !== 200) throw new Error(`GET /auth/me: ${r.status} ${r.text.slice(0, 200)}`);
      }),
    );
  } finally {
    await stopCluster(instances);
    await admin.end();
  }
} finally {
  await pgServer.stop();
}
