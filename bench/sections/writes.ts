/**
 * Row 4: `POST /events` with 10 requests in flight for a fixed time, beside the bare Fastify +
 * better-sqlite3 insert of the same rows (lib/bare-server.ts) at the same concurrency, both over
 * HTTP on loopback, driven by the same loop in this process.
 */
import path from 'node:path';
import { keepBusy } from '../lib/drive.ts';
import { freshKairos, iso, ROOT } from '../lib/kairos.ts';
import { freePort, tempDir, until } from '../lib/net.ts';
import { spawnTracked, stopChild } from '../lib/procs.ts';
import type { Section } from '../lib/results.ts';
import { round, summarise } from '../lib/stats.ts';
import { addRow, type Ctx } from './context.ts';

const IN_FLIGHT = 10;
const WARMUP = 50;
const DAY = 86_400_000;

/** Keep `IN_FLIGHT` creates going for `ms`; latencies of the 201s and the count of anything else. */
function drive(url: string, token: string, ms: number, label: string) {
  const base = Date.now() + 30 * DAY;
  return keepBusy({ inFlight: IN_FLIGHT, ms, warmup: WARMUP, label }, async (i) => {
    const start = base + (i % 10_000) * 60_000;
    const res = await fetch(`${url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ title: `Write ${i}`, startsAt: iso(start), endsAt: iso(start + 3_600_000) }),
    });
    await res.arrayBuffer();
    return res.status === 201;
  });
}

async function bare(ms: number) {
  const port = await freePort();
  const child = spawnTracked(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/lib/bare-server.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DB: path.join(tempDir('kairos-bench-bare-'), 'bare.sqlite') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  try {
    if (!(await until(() => out.includes('ready') || child.exitCode !== null, 30_000)) || child.exitCode !== null)
      throw new Error('the bare server did not start');
    return await drive(`http://127.0.0.1:${port}`, '', ms, 'bare Fastify + better-sqlite3: POST /events');
  } finally {
    await stopChild(child);
  }
}

export async function writesSection(ctx: Ctx): Promise<Section> {
  const ms = ctx.sizes.writesMs;
  const group = `${IN_FLIGHT} in flight`;
  const section: Section = {
    id: 'writes',
    title: 'Writes',
    about: `\`POST /events\` (an event with startsAt and endsAt: 2 triggers, 1 history entry) with ${IN_FLIGHT} requests in flight for ${ms / 1000} s after ${WARMUP} warm-up requests, over HTTP on loopback. The yardstick is a bare Fastify + better-sqlite3 server inserting the same rows in one fsynced transaction per request (WAL, synchronous=FULL); the goal compares with it.`,
    columns: [
      { key: 'perSec', label: 'creates/s', digits: 0 },
      { key: 'p50', label: 'p50 ms' },
      { key: 'p99', label: 'p99 ms' },
      { key: 'failed', label: 'failed', digits: 0 },
    ],
    compare: { key: 'perSec', lowerIsBetter: false },
    rows: [],
    notes: [],
  };
  let yardstick: number | null = null;
  try {
    const b = await bare(ms);
    yardstick = b.perSec;
    const s = summarise(b.latencyMs);
    addRow(section, {
      group,
      system: 'bare Fastify + better-sqlite3',
      kairos: false,
      cells: { perSec: round(b.perSec, 0), p50: round(s.p50), p99: round(s.p99), failed: b.failed },
    });
  } catch (e) {
    section.notes.push(`bare insert: failed: ${String(e).slice(0, 300)}`);
  }
  const k = await freshKairos();
  try {
    await k.start();
    const r = await drive(k.url, k.token, ms, 'Kairos: POST /events');
    const s = summarise(r.latencyMs);
    addRow(section, {
      group,
      system: 'Kairos',
      kairos: true,
      cells: { perSec: round(r.perSec, 0), p50: round(s.p50), p99: round(s.p99), failed: r.failed },
      goal: '≥ 0.8 × the bare insert',
      met: yardstick === null ? null : r.perSec >= 0.8 * yardstick,
    });
  } catch (e) {
    section.notes.push(`Kairos: failed: ${String(e).slice(0, 300)}`);
  } finally {
    await k.dispose();
  }
  return section;
}
