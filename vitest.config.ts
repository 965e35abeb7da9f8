import { defineConfig } from 'vitest/config';

/**
 * Two projects, one suite (the dialect matrix): every test runs on SQLite; the suites that
 * exercise storage, scheduling and concurrency run again on a real PostgreSQL (cluster mode),
 * together with the cluster-only tests.
 */
const POSTGRES_SUITES = ['live', 'recovery', 'permissions', 'registrations', 'doctor-live', 'cluster', 'list-reference'].map(
  (name) => `packages/server/test/${name}.test.ts`,
);

export default defineConfig({
  test: {
    // Server suites start real processes on real ports; two cores run two files at a time.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['packages/*/test/**/*.test.ts'],
          exclude: ['packages/server/test/cluster.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: POSTGRES_SUITES,
          env: { KAIROS_TEST_DIALECT: 'postgres' },
          globalSetup: ['packages/server/test/support/postgres.setup.ts'],
        },
      },
    ],
  },
});
