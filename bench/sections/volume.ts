/**
 * Row 5: a calendar of N events (1 000 000 in a full run), seeded in bulk into a stopped server's
 * file. Then, against the running server: each list filter and `GET /scheduler` timed one request
 * at a time; `kairos doctor --json`; resident memory; stop and time the restart to ready.
 */
import { freshKairos, iso, KAIROS_BIN, ROOT } from '../lib/kairos.ts';
import { spawnTracked } from '../lib/procs.ts';
import { phase } from '../lib/progress.ts';
import type { Section } from '../lib/results.ts';
import { COMMON_WORD, RARE_WORD, seed } from '../lib/seed.ts';
import { round, summarise } from '../lib/stats.ts';
import { addRow, type Ctx } from './context.ts';
import { fmtCount } from './lateness.ts';

const DAY = 86_400_000;
const LIST_GOAL = 'p99 ≤ 20 ms';

function doctor(dbPath: string, timeoutMs: number): Promise<{ ms: number; code: number | null; output: string }> {
  const t0 = performance.now();
  const child = spawnTracked(process.execPath, [KAIROS_BIN, 'doctor', '--json'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', TZ: 'UTC', HOME: process.env.HOME ?? '/tmp', KAIROS_DB: dbPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - t0, code, output });
    }),
  );
}

export async function volumeSections(ctx: Ctx): Promise<Section[]> {
  const n = ctx.sizes.volume;
  const at = `${fmtCount(n)} events`;
  const lists: Section = {
    id: 'lists',
    title: `Lists at ${at}`,
    about: `${fmtCount(n)} events seeded in bulk (two years past, one ahead; 90 % approved, the rest drafts, pending, cancelled, declined; half with a registration window, a fifth with certificates), each with its triggers and its \`create\` history entry. Each request ${ctx.sizes.queryReps} times (fewer, at least 3, once ${ctx.sizes.queryMaxMs / 1000} s went by: "n" says how many), one at a time, anonymous (what the public calendar asks), limit 50. The deep page is reached by following \`nextCursor\` ${ctx.sizes.deepPages} pages of 200.`,
    columns: [
      { key: 'p50', label: 'p50 ms' },
      { key: 'p99', label: 'p99 ms' },
      { key: 'max', label: 'max ms' },
      { key: 'items', label: 'items', digits: 0 },
      { key: 'n', label: 'n', digits: 0 },
    ],
    rows: [],
    notes: [],
  };
  const ops: Section = {
    id: 'operations',
    title: `Operations at ${at}`,
    about: `The same database: \`kairos doctor --json\` run beside the running server; the server's resident memory after the list requests (and its peak); the server stopped with SIGTERM and started again, timed from spawn to \`/readyz\` answering 200.`,
    columns: [{ key: 'value', label: 'value' }],
    rows: [],
    notes: [],
  };
  const k = await freshKairos();
  try {
    const bar = phase(`Kairos: seeding ${at}`, n);
    const t0 = performance.now();
    await seed(k.dbPath, { count: n, now: Date.now(), onProgress: (done) => bar.set(done) });
    bar.end();
    ops.notes.push(`Seeded in ${round((performance.now() - t0) / 1000)} s by the bench's bulk path (not part of any goal).`);
    await k.start();

    let deep = '';
    for (let i = 0; i < ctx.sizes.deepPages; i++) {
      const r = await k.api('GET', `/events?limit=200${deep ? `&cursor=${encodeURIComponent(deep)}` : ''}`, { anonymous: true });
      if (!r.json?.nextCursor) break;
      deep = r.json.nextCursor;
    }
    const mid = Date.now() - 200 * DAY;
    const queries: Array<[string, string]> = [
      ['first page', '/events?limit=50'],
      [`deep page (after ${fmtCount(ctx.sizes.deepPages * 200)})`, `/events?limit=50&cursor=${encodeURIComponent(deep)}`],
      ['status=upcoming', '/events?limit=50&status=upcoming'],
      ['phase=ended', '/events?limit=50&phase=ended'],
      ['from/to (one week)', `/events?limit=50&from=${iso(mid)}&to=${iso(mid + 7 * DAY)}`],
      [`rare q (${RARE_WORD})`, `/events?limit=50&q=${RARE_WORD.toLowerCase()}`],
      [`common q (${COMMON_WORD})`, `/events?limit=50&q=${COMMON_WORD.toLowerCase()}`],
      ['GET /scheduler (admin)', '/scheduler'],
    ];
    const qbar = phase('Kairos: list requests', queries.length * ctx.sizes.queryReps);
    const results: Array<{ label: string; ms: number[]; items: number | null; status: number }> = [];
    for (const [label, url] of queries) {
      const ms: number[] = [];
      let items: number | null = null;
      let status = 0;
      const t0 = performance.now();
      for (let i = 0; i < ctx.sizes.queryReps; i++) {
        if (i >= 3 && performance.now() - t0 > ctx.sizes.queryMaxMs) break;
        const t = performance.now();
        const r = await k.api('GET', url, { anonymous: !url.startsWith('/scheduler') });
        ms.push(performance.now() - t);
        status = r.status;
        items = Array.isArray(r.json?.items) ? r.json.items.length : null;
        qbar.add();
      }
      results.push({ label, ms, items, status });
    }
    qbar.end();
    for (const r of results) {
      const s = summarise(r.ms);
      addRow(lists, {
        group: r.label,
        system: 'Kairos',
        kairos: true,
        cells: { p50: round(s.p50), p99: round(s.p99), max: round(s.max), items: r.items, n: r.ms.length },
        goal: LIST_GOAL,
        met: r.status === 200 && s.p99 <= 20,
        ...(r.status === 200 ? {} : { note: `HTTP ${r.status}` }),
      });
    }
    const mem = k.memory();
    if (mem) {
      addRow(ops, {
        group: 'memory (RSS after the lists)',
        system: 'Kairos',
        kairos: true,
        cells: { value: `${round(mem.rssMb, 0)} MB (peak ${round(mem.peakMb, 0)} MB)` },
        goal: '≤ 500 MB',
        met: mem.peakMb <= 500,
      });
    }
    const dbar = phase('kairos doctor', 1);
    const d = await doctor(k.dbPath, ctx.quick ? 120_000 : 300_000);
    dbar.end();
    let problems = '?';
    try {
      problems = String(JSON.parse(d.output.trim().split('\n').at(-1) ?? '').problems.length);
    } catch {
      ops.notes.push(`kairos doctor: exit ${d.code}: ${d.output.slice(-300)}`);
    }
    addRow(ops, {
      group: 'kairos doctor',
      system: 'Kairos',
      kairos: true,
      cells: { value: `${round(d.ms / 1000, 1)} s (exit ${d.code}, ${problems} problems)` },
      goal: '≤ 10 s',
      met: d.code === 0 && d.ms <= 10_000,
    });
    await k.stop();
    const readyMs = await k.start();
    addRow(ops, {
      group: 'restart to ready',
      system: 'Kairos',
      kairos: true,
      cells: { value: `${round(readyMs / 1000, 2)} s` },
      goal: '≤ 10 s',
      met: readyMs <= 10_000,
    });
  } catch (e) {
    lists.notes.push(`failed: ${String(e).slice(0, 400)}`);
  } finally {
    await k.dispose();
  }
  return [lists, ops];
}
