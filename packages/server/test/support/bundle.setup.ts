/**
 * vitest globalSetup of every project: compile Kairos once into one module (scripts/bundle.mjs)
 * and let the suites start `kairos` from it. Each of the suites' hundreds of server starts then
 * skips loading the TypeScript sources through tsx; cli.test.ts still runs the real `bin/kairos.mjs`.
 */
import fs from 'node:fs';
import path from 'node:path';
// @ts-expect-error: a plain ES module script without types
import { BUNDLE, bundleKairos } from '../../../../scripts/bundle.mjs';
import { runCli, tempDir } from './server.ts';

export default async function setup(): Promise<() => void> {
  // Both projects list this setup and run in one process: build once (4–6 s with the dependencies inlined).
  if (process.env.KAIROS_TEST_BIN === BUNDLE) return () => {};
  await bundleKairos(BUNDLE);
  process.env.KAIROS_TEST_BIN = BUNDLE;
  const template = await migratedSqliteTemplate();
  process.env.KAIROS_TEST_SQLITE_TEMPLATE = template;
  return () => fs.rmSync(path.dirname(template), { recursive: true, force: true });
}

/**
 * One SQLite file migrated by the real `kairos migrate`; `freshDatabase()` copies it for each
 * test server, as the `postgres` project copies its template database. Migrating a new file
 * cost each start about 80 ms of CPU (--cpu-prof of one start); copying it costs under 1 ms.
 * Suites that name a file of their own (cli, burst, torture, stream-session…) still start on an
 * empty file, so migrating one stays tested.
 */
async function migratedSqliteTemplate(): Promise<string> {
  const file = path.join(tempDir('kairos-template-'), 'template.sqlite');
  const migrated = await runCli(['migrate'], { KAIROS_DB: file });
  if (migrated.code !== 0) throw new Error(`kairos migrate of the SQLite template failed:\n${migrated.stdout}${migrated.stderr}`);
  return file;
}
