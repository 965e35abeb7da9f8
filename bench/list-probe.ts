/**
 * Latency of `GET /events` filters, `GET /scheduler`, `kairos doctor`, restart and RSS on a big
 * database (issue 8), over a real `kairos serve` on loopback. Prints one JSON report.
 *
 *   npx tsx bench/seed-cli.ts /tmp/k.sqlite 1000000        # once (see bench/seed.ts)
 *   npx tsx bench/list-probe.ts /tmp/k.sqlite [kairos bin] [reps]
 *
 * The second argument lets the same probe run another checkout's server (before/after).
 * Seeded organizers are read from `<db>.json` (written by seed-cli) when present.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const file = process.argv[2] ?? '';
const bin = process.argv[3] ?? path.join(ROOT, 'packages/cli/bin/kairos.mjs');
const REPS = Number(process.argv[4] ?? 100);
const ADMIN = { email: 'bench-admin@bench.test', password: 'bench-admin-password' };
const DAY = 86_400_000;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? Number.NaN;
};
const round = (x: number) => Math.round(x * 10) / 10;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function start(port: number): Promise<{ child: ChildProcess; readyMs: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      KAIROS_DB: file,
      KAIROS_ADMIN_EMAIL: ADMIN.email,
      KAIROS_ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, readyMs: performance.now() - t0 };
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function main() {
  const raw = new Database(file, { readonly: true });
  const total = (raw.prepare('select count(*) n from events').get() as { n: number }).n;
  const mid = raw
    .prepare('select starts_at s, id from events order by starts_at, id limit 1 offset ?')
    .get(Math.floor(total / 2)) as {
    s: number;
    id: string;
  };
  raw.close();
  const cursor = Buffer.from(JSON.stringify([mid.s, mid.id])).toString('base64url');
  const seeded = fs.existsSync(`${file}.json`) ? JSON.parse(fs.readFileSync(`${file}.json`, 'utf8')) : null;

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let server = await start(port);
  const login = async (email: string, password: string) => {
    const r = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    return ((await r.json()) as { token: string }).token;
  };
  const admin = await login(ADMIN.email, ADMIN.password);
  const organizer = seeded ? await login(seeded.organizers[0].email, seeded.organizers[0].password) : null;

  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const cases: Array<[string, string, string | null]> = [
    ['first page', '/events', null],
    ['deep page (cursor)', `/events?cursor=${cursor}`, null],
    ['status=upcoming', '/events?status=upcoming', null],
    ['status=draft (admin)', '/events?status=draft', admin],
    ['phase=ended', '/events?phase=ended', null],
    ['phase=registration_open', '/events?phase=registration_open', null],
    ['from/to: this week', `/events?from=${iso(now)}&to=${iso(now + 7 * DAY)}`, null],
    ['from/to: a month a year ago', `/events?from=${iso(now - 365 * DAY)}&to=${iso(now - 335 * DAY)}`, null],
    ['q rare (zanzibar)', '/events?q=zanzibar', null],
    ['q common (workshop)', '/events?q=workshop', null],
    ['q common + status=upcoming', '/events?q=workshop&status=upcoming', null],
    ['q rare + status=completed', '/events?q=zanzibar&status=completed', null],
    ['q short (ab)', '/events?q=ab', null],
    ['admin, first page', '/events', admin],
    ...(organizer
      ? ([
          ['organizer, first page', '/events', organizer],
          ['organizer, status=draft', '/events?status=draft', organizer],
        ] as Array<[string, string, string | null]>)
      : []),
    ['GET /scheduler', '/scheduler', admin],
  ];
  const results: Record<string, { p50: number; p99: number; items: number }> = {};
  for (const [name, url, token] of cases) {
    const times: number[] = [];
    let items = 0;
    for (let i = 0; i < REPS; i++) {
      const t0 = performance.now();
      const r = await fetch(`${base}/api/v1${url}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      const body = (await r.json()) as { items?: unknown[] };
      times.push(performance.now() - t0);
      if (!r.ok) throw new Error(`${name}: ${r.status} ${JSON.stringify(body)}`);
      items = body.items?.length ?? -1;
    }
    results[name] = { p50: round(pct(times, 0.5)), p99: round(pct(times, 0.99)), items };
    process.stderr.write(`${name}: ${JSON.stringify(results[name])}\n`);
  }
  const rss = rssMb(server.child.pid ?? 0);
  await stop(server.child);
  server = await start(port);
  const restartMs = server.readyMs;
  const rssAfterRestart = rssMb(server.child.pid ?? 0);
  await stop(server.child);

  const t0 = performance.now();
  const doctor = spawnSync(process.execPath, [bin, 'doctor', '--json'], {
    env: { PATH: process.env.PATH ?? '', KAIROS_DB: file },
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const doctorMs = performance.now() - t0;
  const report = JSON.parse(doctor.stdout || '{}');
  console.log(
    JSON.stringify(
      {
        events: total,
        list: results,
        rssMb: round(rss),
        restartMs: round(restartMs),
        rssAfterRestartMb: round(rssAfterRestart),
        doctor: { ms: round(doctorMs), exit: doctor.status, ok: report.ok, problems: report.problems?.length },
      },
      null,
      2,
    ),
  );
}

await main();
