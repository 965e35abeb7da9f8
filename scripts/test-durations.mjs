/**
 * Writes packages/server/test/support/durations.json (seconds per `project:file`) from the last
 * whole vitest run's cache, for vitest.config.ts's longest-first ordering on a fresh clone (which
 * has no cache). Run after a whole `npm test` when suites were added or changed length a lot;
 * a stale table only changes the order files start in, never a result.
 *
 *   node scripts/test-durations.mjs
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = path.join(ROOT, 'node_modules/.vite/vitest');
const [cache] = fs.readdirSync(cacheDir).map((d) => path.join(cacheDir, d, 'results.json'));
if (!cache || !fs.existsSync(cache)) throw new Error(`no vitest results under ${cacheDir}: run the whole suite first`);
const results = JSON.parse(fs.readFileSync(cache, 'utf8')).results;
// The cache keeps files a run once had (`project:path`): only those that still exist are written.
const exists = (key) => fs.existsSync(path.join(ROOT, key.slice(key.indexOf(':') + 1)));
const kept = results.filter(([key]) => exists(key));
const table = Object.fromEntries(
  kept.map(([key, { duration }]) => [key, Math.round(duration / 100) / 10]).sort((a, b) => b[1] - a[1]),
);
const out = path.join(ROOT, 'packages/server/test/support/durations.json');
fs.writeFileSync(out, `${JSON.stringify(table, null, 2)}\n`);
console.log(`${out}: ${kept.length} files (${results.length - kept.length} gone since)`);
