/**
 * Where the cluster's write time goes, for the notes beside the numbers: the instances' CPU time
 * (/proc, Linux) and the statements they sent (pg_stat_statements) per write request, and the
 * statements that took the database's time. Not a goal row: a pointer for whoever speeds it up.
 */
import type pg from 'pg';
import { cpuSeconds } from './cpu.ts';
import type { Kairos } from './kairos.ts';

const short = (q: string) => q.replace(/\s+/g, ' ').trim().slice(0, 70);

/**
 * Start counting (pg_stat_statements is reset for the whole server: call it between rows).
 * The returned function, given how many requests were made since, describes them in one line.
 */
export async function startProfile(
  admin: pg.Client,
  database: string,
  instances: readonly Kairos[],
): Promise<(requests: number) => Promise<string>> {
  await admin.query('select pg_stat_statements_reset()');
  const cpu0 = instances.map((k) => cpuSeconds(k.pid));
  const t0 = performance.now();
  return async (requests) => {
    const wallS = (performance.now() - t0) / 1000;
    const cpu = instances.reduce((sum, k, i) => sum + cpuSeconds(k.pid) - (cpu0[i] ?? 0), 0);
    const r = await admin.query<{ query: string; calls: string; total: number }>(
      `select s.query, s.calls, s.total_exec_time as total from pg_stat_statements s
        join pg_database d on d.oid = s.dbid where d.datname = $1 order by s.total_exec_time desc`,
      [database],
    );
    const calls = r.rows.reduce((sum, row) => sum + Number(row.calls), 0);
    const dbMs = r.rows.reduce((sum, row) => sum + Number(row.total), 0);
    const top = r.rows
      .slice(0, 3)
      .map((row) => `\`${short(row.query)}\` ${Math.round(Number(row.total))} ms in ${row.calls} calls`)
      .join('; ');
    const per = (x: number) => (requests > 0 ? (x / requests).toFixed(1) : '—');
    return `${requests} write requests in ${wallS.toFixed(0)} s: the instances used ${cpu.toFixed(1)} CPU-s (${per(cpu * 1000)} ms per write) and sent ${calls} statements (${per(calls)} per write) that ran ${Math.round(dbMs)} ms in PostgreSQL (${per(dbMs)} ms per write); most of it in ${top}.`;
  };
}
