/**
 * `npm run torture`: the long crash torture (issue 10). Both modes by default: one instance on
 * SQLite, then three on a PostgreSQL of its own that it also crashes once. Prints a summary per
 * mode, writes the journal (every write and its answer) and a JSON result beside it, and exits 1
 * on any violation.
 *
 *   npm run torture -- [--mode embedded|cluster|both] [--kills 25] [--seed N] [--instances 3] [--minutes M]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tempDir } from '../support/server.ts';
import { startCrashablePostgres } from './postgres.ts';
import { type TortureSummary, torture } from './run.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    kills: { type: 'string', default: '25' },
    seed: { type: 'string' },
    instances: { type: 'string', default: '3' },
    out: { type: 'string' },
    // A time budget: no kill round starts after this many minutes (the summary says how many ran).
    minutes: { type: 'string' },
  },
});
const kills = Number(values.kills);
const seed = values.seed ? Number(values.seed) : Date.now() % 1_000_000;
const modes = values.mode === 'both' ? ['embedded', 'cluster'] : [values.mode];
const dir = values.out ?? tempDir('kairos-torture-');
const log = (line: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function print(s: TortureSummary): void {
  const rows: Array<[string, string | number]> = [
    ['mode', s.mode],
    ['seed', s.seed],
    ['duration (s)', s.seconds],
    ['kill rounds', s.kills],
    ['instances killed (kill -9)', s.instancesKilled],
    ['PostgreSQL crashes', s.postgresCrashes],
    ['instances that died on their own', s.diedOnTheirOwn],
    ['write requests sent', s.requests.sent],
    ['  acknowledged (2xx)', s.requests.acknowledged],
    ['  refused (4xx/5xx, connection refused)', s.requests.refused],
    ['  cut by a kill (outcome read back)', s.requests.unknown],
    ['events', s.events],
    ['check rounds (after each restart + final)', s.checks.rounds],
    ['event checks (data, status, history)', s.checks.events],
    ['writes matched to history entries', s.checks.writes],
    ['transitions checked against the oracle', s.checks.transitions],
    ['registration checks', s.checks.registrations],
    ['kairos doctor runs (all clean unless listed)', s.checks.doctor],
    ['violations', s.violations.length],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
  process.stdout.write(`  acknowledged by operation: ${JSON.stringify(s.byOp)}\n`);
  process.stdout.write(`  refused by operation and answer: ${JSON.stringify(s.refusals)}\n`);
  for (const v of s.violations.slice(0, 50)) process.stdout.write(`  VIOLATION ${v}\n`);
}

const summaries: TortureSummary[] = [];
for (const mode of modes) {
  log(`torture, ${mode} mode, ${kills} kill rounds, seed ${seed}`);
  const pg = mode === 'cluster' ? await startCrashablePostgres() : null;
  try {
    const summary = await torture({
      database: pg ? await pg.freshDatabase() : path.join(tempDir(), 'kairos.sqlite'),
      instances: pg ? Number(values.instances) : 1,
      kills,
      stopAt: values.minutes ? Date.now() + Number(values.minutes) * 60_000 : undefined,
      gapMs: [1000, 4000],
      crashPostgres: pg ? (ms) => pg.crash(ms) : undefined,
      seed,
      workers: pg ? 6 : 4,
      maxEvents: 150,
      journalFile: path.join(dir, `journal-${mode}.jsonl`),
      doctorEveryRound: true,
      log,
    });
    summaries.push(summary);
    print(summary);
  } finally {
    await pg?.stop();
  }
}
const result = path.join(dir, 'torture.json');
fs.writeFileSync(result, `${JSON.stringify(summaries, null, 2)}\n`);
log(`journal and results in ${dir}`);
process.exit(summaries.some((s) => s.violations.length > 0) ? 1 : 0);
