/**
 * vitest globalSetup of every project: compile Kairos once into one module (scripts/bundle.mjs)
 * and let the suites start `kairos` from it. Each of the suites' hundreds of server starts then
 * skips loading the TypeScript sources through tsx; cli.test.ts still runs the real `bin/kairos.mjs`.
 */
import fs from 'node:fs';
import path from 'node:path';
// @ts-expect-error: a plain ES module script without types
import { BUNDLE, bundleKairos } from '../../../../scripts/bundle.mjs';
import { runCli, TestServer, tempDir } from './server.ts';

export default async function setup(): Promise<() => void> {
  // Both projects list this setup and run in one process: build once (4–6 s with the dependencies inlined).
  if (process.env.KAIROS_TEST_BIN === BUNDLE) return () => {};
  await bundleKairos(BUNDLE);
  process.env.KAIROS_TEST_BIN = BUNDLE;
  const template = await sqliteTemplate();
  return () => fs.rmSync(path.dirname(template), { recursive: true, force: true });
}

/**
 * One SQLite file migrated by the real `kairos migrate`, then started once by `kairos serve` (which
 * creates the admin and its session secret) and signed in to as the admin; `freshDatabase()` copies
 * it for each test server, as the `postgres` project copies its template database, and the copy's
 * first start uses that session instead of signing in. Measured per start (one `kairos serve` to
 * /readyz, /proc/<pid>/stat, 8 each, interleaved): migrating a new file cost about 40–80 ms of CPU,
 * and each sign-in one scrypt (N = 2^15: 107 ms of CPU). Copying costs under 1 ms. Suites that
 * name a file of their own (cli, burst, torture, stream-session…) still start on an empty file,
 * so migrating one and creating the admin stay tested.
 */
async function sqliteTemplate(): Promise<string> {
  const file = path.join(tempDir('kairos-template-'), 'template.sqlite');
  const migrated = await runCli(['migrate'], { KAIROS_DB: file }, 60_000, BUNDLE);
  if (migrated.code !== 0) throw new Error(`kairos migrate of the SQLite template failed:\n${migrated.stdout}${migrated.stderr}`);
  const server = await new TestServer(file, {}, 60_000, BUNDLE).start();
  const stopped = await server.stop();
  // A clean stop checkpoints the write-ahead log into the file: a copy of the file alone is whole.
  if (stopped.code !== 0 || fs.existsSync(`${file}-wal`))
    throw new Error(`the SQLite template did not stop cleanly:\n${server.output}`);
  process.env.KAIROS_TEST_SQLITE_TEMPLATE = file;
  process.env.KAIROS_TEST_SQLITE_ADMIN_TOKEN = server.adminToken;
  return file;
}
