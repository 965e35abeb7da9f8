/**
 * Property-based fuzzing of every route over real HTTP (issue 10): hostile bodies, query strings,
 * headers and path parameters as anonymous, organizer and admin (support/fuzz-requests.ts).
 * Invariants: never a 5xx, never a hang, errors in the SPEC's shape, a rejected request changes
 * nothing (support/fuzz-run.ts); afterwards `kairos doctor` is clean and every stored event is
 * still valid by the core rules. The short form runs here (FUZZ_REQUESTS, default 1 000);
 * `npm run fuzz` is the long form (10 000). FUZZ_SEED replays a run.
 */
import { resolveEventFields } from '@kairos/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { formatReport, routesOf, runFuzz, Watch } from './support/fuzz-run.ts';
import { FUZZ_ORGANIZER, seedWorld } from './support/fuzz-world.ts';
import { rawSql } from './support/raw-sql.ts';
import { ADMIN, runCli, startServer, stopAll, type TestServer } from './support/server.ts';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 1000);
const DAY = 86_400_000;
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
/** A request with no answer in this long is a hang (the machine is loaded: generous). */
const TIMEOUT_MS = 15_000;

let server: TestServer;

beforeAll(async () => {
  // Limits raised so the fuzz reaches the code behind them (the limits have their own tests).
  server = await startServer({
    KAIROS_REGISTRATION_RATE: '1000000/10m',
    KAIROS_LOGIN_MAX_FAILURES: '10000',
    KAIROS_LOGIN_MAX_FAILURES_PER_ADDRESS: '100000',
    KAIROS_STREAMS_PER_CLIENT: '100000',
    LOG_LEVEL: 'warn',
  });
});

afterAll(stopAll);

test(
  `${REQUESTS} hostile requests over every route: no 5xx, no hang, no partial write; doctor clean after`,
  async () => {
    const { pool, organizerToken } = await seedWorld(server);
    const routes = await routesOf(server);
    expect(routes.length).toBeGreaterThan(25);
    const started = Date.now();
    console.info(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} replays it), ${REQUESTS} requests over ${routes.length} routes`);
    const report = await runFuzz(server, routes, {
      requests: REQUESTS,
      seed: SEED,
      timeoutMs: TIMEOUT_MS,
      tokens: { admin: server.adminToken, organizer: organizerToken },
      relogin: {
        admin: () => server.login(ADMIN.email, ADMIN.password),
        organizer: () => server.login(FUZZ_ORGANIZER.email, FUZZ_ORGANIZER.password),
      },
      pool,
      progress: (n) => console.info(`… ${n} sent, ${Math.round((Date.now() - started) / 1000)} s`),
    });
    console.info(formatReport(report));
    for (const f of report.failures.slice(0, 10)) console.error(f.kind, f.detail, JSON.stringify(f.request).slice(0, 1000));
    expect(
      report.failures.map((f) => `${f.kind}: ${f.request.method} ${f.request.url.slice(0, 100)} → ${f.detail.slice(0, 200)}`),
    ).toEqual([]);
    expect(report.sent).toBeGreaterThanOrEqual(REQUESTS * 0.9);
    // Every route was reached, and the fuzz got past validation often enough to write.
    expect(report.counts.size).toBe(new Set(routes.map((r) => `${r.method} ${r.path}`)).size);
    const statuses = new Set([...report.counts.values()].flatMap((m) => [...m.keys()]));
    // (a few hundred requests may create nothing; a thousand create several events every run)
    for (const s of REQUESTS >= 1000 ? [200, 201, 400, 401, 404] : [200, 400, 401, 404]) expect(statuses).toContain(s);

    // The server is still healthy, the database consistent, every event valid by the one rule.
    expect((await server.request('GET', '/readyz')).status).toBe(200);
    const doctor = await runCli(['doctor', '--json'], { KAIROS_DB: server.dbPath });
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
    expect(JSON.parse(doctor.stdout)).toMatchObject({ ok: true, problems: [] });
    // The fuzz may delete more events than it creates (seed 479543: 7 seeded + 2 created − 3
    // deleted), so one more is made here: the checks below always have a row to work on.
    const probe = await server.api('POST', '/events', {
      token: await server.login(ADMIN.email, ADMIN.password),
      json: {
        title: 'After the fuzz',
        startsAt: new Date(Date.now() + DAY).toISOString(),
        endsAt: new Date(Date.now() + 2 * DAY).toISOString(),
      },
    });
    expect(probe.status, probe.text).toBe(201);
    const db = new Database(server.dbPath, { readonly: true });
    const ids = db.prepare('select id from events').pluck().all() as string[];
    db.close();
    expect(ids).toContain(probe.json.id);
    // The partial-write detector sees a write behind its back (so its silence above means something).
    const watch = new Watch(server.dbPath);
    watch.mark();
    expect(watch.changed()).toBe(false);
    await rawSql(server.dbPath, "update events set title = title || '!' where id = ?", ids[0]);
    expect(watch.changed()).toBe(true);
    await rawSql(server.dbPath, 'update events set title = substr(title, 1, length(title) - 1) where id = ?', ids[0]);
    watch.close();

    // A fuzzed logout may have ended the first admin session.
    const admin = await server.login(ADMIN.email, ADMIN.password);
    for (const id of ids) {
      const r = await server.api('GET', `/events/${encodeURIComponent(id)}`, { token: admin });
      expect(r.status, r.text).toBe(200);
      const e = r.json;
      expect(
        () =>
          resolveEventFields(
            {
              title: e.title,
              description: e.description,
              venue: e.venue,
              timezone: e.timezone,
              capacity: e.capacity,
              registrationOpensAt: e.registrationOpensAt,
              registrationClosesAt: e.registrationClosesAt,
              startsAt: e.startsAt,
              endsAt: e.endsAt,
              certificatesOpenAt: e.certificatesOpenAt,
              certificatesCloseAt: e.certificatesCloseAt,
            },
            null,
            'UTC',
          ),
        `event ${id}: ${JSON.stringify(e).slice(0, 300)}`,
      ).not.toThrow();
    }
  },
  // A generous budget per request: the machine is shared and loaded (the long form ran at 4–25 requests a second).
  120_000 + REQUESTS * 1000,
);
