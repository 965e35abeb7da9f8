/**
 * Seed a SQLite file from the command line (see bench/seed.ts); writes `<file>.json` with the
 * seeded organizers for bench/list-probe.ts.
 *
 *   npx tsx bench/seed-cli.ts /tmp/k.sqlite 1000000
 */
import fs from 'node:fs';
import { seedEvents } from './seed.ts';

const file = process.argv[2];
const n = Number(process.argv[3] ?? 1_000_000);
if (!file) throw new Error('usage: seed-cli.ts <file.sqlite> [events]');
const result = await seedEvents(file, n, {
  onProgress: (done, total) => process.stderr.write(`\rseeding ${done}/${total}${done === total ? '\n' : ''}`),
});
fs.writeFileSync(`${file}.json`, JSON.stringify(result, null, 2));
console.log(`${result.events} events, ${result.triggers} triggers in ${(result.ms / 1000).toFixed(1)} s`);
