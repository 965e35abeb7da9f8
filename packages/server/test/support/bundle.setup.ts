/**
 * vitest globalSetup of every project: compile Kairos once into one module (scripts/bundle.mjs)
 * and let the suites start `kairos` from it. Each of the suites' hundreds of server starts then
 * skips loading the TypeScript sources through tsx; cli.test.ts still runs the real `bin/kairos.mjs`.
 */
// @ts-expect-error: a plain ES module script without types
import { BUNDLE, bundleKairos } from '../../../../scripts/bundle.mjs';

export default async function setup(): Promise<void> {
  // Both projects list this setup and run in one process: build once (4–6 s with the dependencies inlined).
  if (process.env.KAIROS_TEST_BIN === BUNDLE) return;
  await bundleKairos(BUNDLE);
  process.env.KAIROS_TEST_BIN = BUNDLE;
}
