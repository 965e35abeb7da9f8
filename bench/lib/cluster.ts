/**
 * Cluster mode for the bench: `kairos serve` instances on one PostgreSQL database (KAIROS_DB is
 * its URL, SPEC §9–10), events added through the instances' own import, and what the database
 * says about them (firings recorded in history, statements counted by pg_stat_statements).
 */
import pg from 'pg';
import { Kairos } from './kairos.ts';
import { sleep } from './net.ts';

/**
 * `n` instances on `url`. The first starts alone (it migrates the empty database and installs
 * graphile-worker's schema), the others together: the bench measures the running cluster, not
 * the start-up race (issue 9's "clean starts" has its own test).
 */
export async function startCluster(url: string, n: number): Promise<Kairos[]> {
  const instances = Array.from({ length: n }, () => new Kairos(url));
  try {
    await instances[0]?.start();
    await Promise.all(instances.slice(1).map((k) => k.start()));
    return instances;
  } catch (e) {
    await stopCluster(instances);
    throw e;
  }
}

export async function stopCluster(instances: readonly Kairos[]): Promise<void> {
  await Promise.all(instances.map((k) => k.stop()));
}

const HOUR = 3_600_000;

/** An import record (SPEC §15, the `kairos` format: a `POST /events` body) with one start boundary that counts. */
export const oneShot = (title: string, startsAt: number) => ({
  title,
  startsAt: new Date(startsAt).toISOString(),
  endsAt: new Date(startsAt + HOUR).toISOString(),
});

/**
 * Create `records` through `POST /events/import`, split evenly over the instances, all parts at
 * once (each instance writes its part in its own transactions of IMPORT_BATCH). Resolves with the
 * milliseconds it took; throws unless every record was created.
 */
export async function importAcross(instances: readonly Kairos[], records: readonly object[]): Promise<number> {
  const t0 = performance.now();
  const parts = instances.map((_, i) => records.filter((_r, j) => j % instances.length === i));
  const answers = await Promise.all(
    instances.map((k, i) => (parts[i]?.length ? k.api('POST', '/events/import', { json: parts[i] }) : null)),
  );
  let created = 0;
  for (const a of answers) {
    if (!a) continue;
    if (a.status !== 200) throw new Error(`import: ${a.status} ${a.text.slice(0, 300)}`);
    created += Number(a.json?.created ?? 0);
  }
  if (created !== records.length) throw new Error(`import created ${created} of ${records.length}`);
  return performance.now() - t0;
}

/** How many of those have fired (cheap enough to poll while they fire). */
export async function firedStartsCount(client: pg.Client, from: number, to: number): Promise<number> {
  const r = await client.query<{ n: string }>(
    `select count(*) as n from history
      where trigger = 'event_start' and cause in ('schedule', 'recovery') and due_at between $1 and $2`,
    [from, to],
  );
  return Number(r.rows[0]?.n ?? 0);
}

/** A client for the bench's own reads (on the `postgres` database by default: not counted in the cluster database's statistics). */
export async function pgClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/**
 * The server's own lateness (history `late_ms`) of every `event_start` fired on the clock with a
 * due instant in [from, to]: recorded by whichever instance fired it.
 */
export async function firedStarts(client: pg.Client, from: number, to: number): Promise<number[]> {
  const r = await client.query<{ late: string }>(
    `select late_ms as late from history
      where trigger = 'event_start' and cause in ('schedule', 'recovery') and due_at between $1 and $2`,
    [from, to],
  );
  return r.rows.map((row) => Number(row.late));
}

/**
 * The cluster's PostgreSQL counts every statement clients send (pg_stat_statements), for the idle
 * row. pg_stat_database's transaction counters (bench/idle-probe.ts) cannot do it: an idle
 * backend does not publish its counters until it is busy again or disconnects (PostgreSQL 18.4
 * here: 20 `select 1` on one connection showed as 10 for 14 s, as 20 once it disconnected), so a quiet instance's
 * pooled connections hide most of what they did.
 */
export const STATEMENT_COUNTING = ['-c', 'shared_preload_libraries=pg_stat_statements'];

/** `admin`: connected to another database than the cluster's (its reads are not counted). */
export async function countStatements(admin: pg.Client): Promise<void> {
  await admin.query('create extension if not exists pg_stat_statements');
}

/** Statements per second clients sent to `database` over `ms` (pg_stat_statements, top level, utility ones too). */
export async function idleQueriesPerSec(admin: pg.Client, database: string, ms: number): Promise<number> {
  const read = async () => {
    const r = await admin.query<{ n: string }>(
      `select coalesce(sum(s.calls), 0) as n from pg_stat_statements s
        join pg_database d on d.oid = s.dbid where d.datname = $1`,
      [database],
    );
    return Number(r.rows[0]?.n ?? Number.NaN);
  };
  const before = await read();
  const t0 = performance.now();
  await sleep(ms);
  const after = await read();
  return ((after - before) / (performance.now() - t0)) * 1000;
}

/** The database name in a postgres:// URL. */
export const databaseOf = (url: string): string => decodeURIComponent(new URL(url).pathname.slice(1));
