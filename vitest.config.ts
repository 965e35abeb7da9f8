import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Two projects, one suite (the dialect matrix). Each test file says on its first line which
 * dialects it runs on: `// @dialects sqlite postgres` (storage, scheduling and concurrency suites),
 * `// @dialects postgres` (cluster-only), nothing for SQLite only. A new storage suite opts in
 * where it is written, not in a list kept here.
 */
const MARKER = /^\/\/ @dialects ((?:sqlite|postgres)(?: (?:sqlite|postgres))*)\s*$/;

function testFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(file);
    return entry.name.endsWith('.test.ts') ? [file] : [];
  });
}

function dialectsOf(file: string): string[] {
  const first = fs.readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  return MARKER.exec(first)?.[1]?.split(' ') ?? ['sqlite'];
}

const root = path.dirname(new URL(import.meta.url).pathname);
const files = fs.readdirSync(path.join(root, 'packages')).flatMap((pkg) => testFiles(path.join(root, 'packages', pkg, 'test')));
const on = (dialect: string) => files.filter((f) => dialectsOf(f).includes(dialect)).map((f) => path.relative(root, f));

/**
 * Longest files first, across both projects, so that two workers finish together instead of one
 * running a long suite alone at the end. Vitest orders by its own cache of the last run's
 * durations, which a fresh clone lacks (it then orders by file size, and the last two files to
 * start, 75 s and 56 s long, ran alone: measured on this 2-core machine). The committed table
 * (scripts/test-durations.mjs writes it) stands in where the cache has no entry; files in
 * neither go first, as vitest does. Failed files still go first.
 */
const DURATIONS: Record<string, number> = JSON.parse(
  fs.readFileSync(path.join(root, 'packages/server/test/support/durations.json'), 'utf8'),
);

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const key = (f: TestSpecification) => `${f.project.name}:${path.relative(this.ctx.config.root, f.moduleId)}`;
    const seconds = (f: TestSpecification) =>
      (cache.getFileTestResults(key(f))?.duration ?? 1000 * (DURATIONS[key(f)] ?? Number.POSITIVE_INFINITY)) / 1000;
    const failed = (f: TestSpecification) => (cache.getFileTestResults(key(f))?.failed ? 1 : 0);
    return [...files].sort((a, b) => failed(b) - failed(a) || seconds(b) - seconds(a));
  }
}

export default defineConfig({
  test: {
    // Server suites start real processes on real ports, and spend much of their time waiting for
    // instants, servers and browsers: with two files at a time the machine stood half idle (vmstat:
    // 51 % idle over the run). Measured on this 2-core machine, quiet, the whole suite: 2 workers
    // 235 s, 3 workers 178 s (37 % idle), 4 workers 146 s, 5 workers 131 s; all passed at 3, 4 and 5
    // once the registration boundary test judged its probes by their round trips (a fixed 150 ms
    // lead had failed at 4). Three leaves the timed suites that margin. KAIROS_TEST_WORKERS
    // overrides it (for a machine with more cores, or to stress the suites' timing).
    pool: 'forks',
    maxWorkers: Number(process.env.KAIROS_TEST_WORKERS ?? 3),
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['packages/server/test/support/bundle.setup.ts'],
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['packages/*/test/**/*.test.ts'],
          exclude: files.filter((f) => !dialectsOf(f).includes('sqlite')).map((f) => path.relative(root, f)),
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: on('postgres'),
          env: { KAIROS_TEST_DIALECT: 'postgres' },
          globalSetup: ['packages/server/test/support/bundle.setup.ts', 'packages/server/test/support/postgres.setup.ts'],
        },
      },
    ],
  },
});
