/**
 * One torture run: real `kairos serve` processes (one on SQLite, or several on one PostgreSQL),
 * the random driver against them, and a supervisor that kill -9s them at random moments (and,
 * once, crashes PostgreSQL itself), restarts them, and checks every invariant after each restart
 * and at the end. Used by the short vitest form and by `npm run torture`.
 */
import { TestServer } from '../support/server.ts';
import { sleep } from '../support/timeline.ts';
import { Checker, type Tally } from './check.ts';
import { Driver } from './driver.ts';
import { Journal } from './journal.ts';
import { Model, type Role } from './model.ts';
import { Rng } from './rng.ts';

export interface TortureOptions {
  /** A SQLite file path (one instance) or a postgres:// URL (`instances` of them). */
  database: string;
  instances: number;
  kills: number;
  /** Wall-clock instant after which no further kill round starts (the final check still runs). */
  stopAt?: number | undefined;
  /** Milliseconds between restarts and the next kill: [min, max]. */
  gapMs: [number, number];
  /** Crash the PostgreSQL server once, in the second round (cluster mode, own PostgreSQL only). */
  crashPostgres?: ((downMs: number) => Promise<void>) | undefined;
  seed: number;
  workers: number;
  maxEvents: number;
  journalFile: string | null;
  /** Run `kairos doctor` after every restart (long form), or only at the end (the short form: a CLI start costs seconds). */
  doctorEveryRound: boolean;
  log: (line: string) => void;
}

export interface TortureSummary {
  mode: 'embedded' | 'cluster';
  seed: number;
  seconds: number;
  kills: number;
  instancesKilled: number;
  postgresCrashes: number;
  diedOnTheirOwn: number;
  requests: { sent: number; acknowledged: number; refused: number; unknown: number };
  byOp: Record<string, number>;
  /** Refusals by operation and answer (`patch 409 invalid_state`, `create ECONNREFUSED`). */
  refusals: Record<string, number>;
  events: number;
  checks: Tally;
  violations: string[];
}

/** The admin's token and a new organizer's: the two roles the driver writes as. */
export async function signIn(server: TestServer): Promise<Record<Role, string>> {
  const organizer = { email: 'organizer@torture.test', password: 'organizer-password-torture' };
  const made = await server.api('POST', '/users', {
    token: server.adminToken,
    json: { ...organizer, name: 'Organizer', role: 'organizer' },
  });
  if (made.status !== 201) throw new Error(`organizer: ${made.status} ${made.text}`);
  return { admin: server.adminToken, organizer: await server.login(organizer.email, organizer.password) };
}

export const SERVER_ENV = {
  LOG_LEVEL: 'warn',
  // Registrations are part of the attack, not the rate limit: lifted far above what the driver sends.
  KAIROS_REGISTRATION_RATE: '1000000/1h',
};

export async function torture(o: TortureOptions): Promise<TortureSummary> {
  const t0 = Date.now();
  const rng = new Rng(o.seed);
  const cluster = o.database.startsWith('postgres');
  const servers = Array.from({ length: o.instances }, () => new TestServer(o.database, SERVER_ENV, 180_000));
  const ready = new Set<TestServer>();
  // The first instance migrates an empty database; the others join it.
  for (const s of servers) {
    await s.start();
    ready.add(s);
  }
  const first = servers[0] as TestServer;
  const tokens = await signIn(first);

  const model = new Model();
  const journal = new Journal(o.journalFile);
  const checker = new Checker(model, o.database);
  const pick = () => rng.pick([...ready])?.url ?? null;
  const driver = new Driver(model, journal, { pick, tokens }, rng, o.maxEvents);
  let instancesKilled = 0;
  let diedOnTheirOwn = 0;
  let postgresCrashes = 0;
  let rounds = 0;

  const check = async (label: string) => {
    await driver.pause();
    // Recovery runs on start; give it and any trigger due right now a moment.
    await sleep(1000);
    const before = checker.violations.length;
    await checker.round(rng.pick([...ready]) ?? first, o.doctorEveryRound || label === 'final');
    const found = checker.violations.length - before;
    for (const v of checker.violations.slice(before, before + 10)) o.log(`  VIOLATION ${v}`);
    o.log(
      `${label}: ${model.events.size} events, ${journal.count('ack')} acknowledged writes; ${found ? `${found} VIOLATION(S)` : 'all checks pass'}`,
    );
    driver.resume();
  };

  /** Restart any instance that is down (killed, or died when its database went away). */
  const revive = async () => {
    await Promise.all(
      servers.map(async (s) => {
        if (s.child && s.child.exitCode === null) return;
        // Just after a PostgreSQL crash its recovery may refuse the first connections.
        for (let attempt = 1; ; attempt++) {
          try {
            await s.start();
            break;
          } catch (e) {
            if (attempt === 3) throw e;
            o.log(`instance failed to start (${String(e).slice(0, 200)}); again`);
            await sleep(2000);
          }
        }
        ready.add(s);
      }),
    );
  };

  driver.start(o.workers);
  try {
    for (let k = 1; k <= o.kills; k++) {
      if (o.stopAt && Date.now() > o.stopAt) {
        o.log(`time budget reached after ${k - 1} kill rounds`);
        break;
      }
      rounds = k;
      await sleep(rng.int(o.gapMs[0], o.gapMs[1]));
      for (const s of servers) {
        if (s.child?.exitCode !== null || !s.child) {
          diedOnTheirOwn += 1;
          ready.delete(s);
        }
      }
      if (o.crashPostgres && k === Math.min(2, o.kills)) {
        const down = rng.int(1000, 3000);
        o.log(`crash ${k}: PostgreSQL (immediate shutdown, down ${down} ms)`);
        await o.crashPostgres(down);
        postgresCrashes += 1;
      }
      // In a cluster: usually one instance, sometimes all of them at once.
      const victims = cluster && !rng.chance(0.25) ? [rng.pick(servers) as TestServer] : servers;
      for (const v of victims) ready.delete(v);
      await Promise.all(victims.map((v) => v.kill9()));
      instancesKilled += victims.length;
      // Boundaries keep falling due while they are down.
      await sleep(rng.int(0, 2500));
      await revive();
      await check(`kill ${k}/${o.kills} (${victims.length} of ${servers.length} instance(s))`);
    }
    await sleep(2000);
    await driver.stop();
    await revive();
    await check('final');
  } finally {
    await driver.stop();
    await Promise.all(servers.map((s) => s.stop()));
  }
  const exchanges = journal.exchanges;
  const { byOp, refusals } = journal.breakdown();
  return {
    mode: cluster ? 'cluster' : 'embedded',
    seed: o.seed,
    seconds: Math.round((Date.now() - t0) / 1000),
    kills: rounds,
    instancesKilled,
    postgresCrashes,
    diedOnTheirOwn,
    requests: {
      sent: exchanges.length,
      acknowledged: journal.count('ack'),
      refused: journal.count('refused'),
      unknown: journal.count('unknown'),
    },
    byOp,
    refusals,
    events: model.events.size,
    checks: checker.tally,
    violations: checker.violations,
  };
}
