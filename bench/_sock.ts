import fs from 'node:fs';
import pg from 'pg';
import { startPostgres } from './lib/postgres.ts';

const sockDir = fs.mkdtempSync('/tmp/pgsock-');
fs.chmodSync(sockDir, 0o777);
const pgi = await startPostgres(['-c', `unix_socket_directories=${sockDir}`]);
const tcp = pgi.url;
const u = new URL(tcp);
const unix = `postgres://postgres:kairos-bench@/postgres?host=${encodeURIComponent(sockDir)}&port=${u.port}`;
const cpu = () => {
  const r = process.cpuUsage();
  return (r.user + r.system) / 1000;
};
for (const [name, url] of [
  ['tcp', tcp],
  ['unix', unix],
  ['tcp', tcp],
  ['unix', unix],
] as const) {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  await Promise.all(Array.from({ length: 8 }, () => pool.query('select 1')));
  const N = 4000;
  let next = 0;
  const c0 = cpu();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next++ < N) await pool.query('select $1::int as x', [next]);
    }),
  );
  const ms = performance.now() - t0;
  const c = cpu() - c0;
  console.log(name, `${((N / ms) * 1000).toFixed(0)} q/s`, `client CPU ${((c / N) * 1000).toFixed(0)} µs/query`);
  await pool.end();
}
await pgi.stop?.();
process.exit(0);
