/**
 * Row 6: due → stream message at many clients. One child process holds every stream (raw
 * sockets, lib/fanout-client.ts); the server's stream caps are raised through the environment.
 * A few events fall due a second apart; each client's receipt of each transition is timed
 * against the trigger's due instant (same machine, same clock).
 */
import path from 'node:path';
import { freshKairos, iso, type Kairos, ROOT } from '../lib/kairos.ts';
import { until } from '../lib/net.ts';
import { spawnTracked, stopChild } from '../lib/procs.ts';
import { phase } from '../lib/progress.ts';
import type { Section } from '../lib/results.ts';
import { round, summarise } from '../lib/stats.ts';
import { addRow, type Ctx } from './context.ts';
import { fmtCount } from './lateness.ts';

const GOALS: Array<[number, number]> = [
  [1000, 50],
  [10_000, 200],
];
const CAPS = { KAIROS_STREAMS_MAX: '20000', KAIROS_STREAMS_PER_CLIENT: '20000' };

async function measure(k: Kairos, clients: number, messages: number) {
  const timeoutMs = 30_000 + messages * 1000;
  const child = spawnTracked(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'bench/lib/fanout-client.ts'),
      String(k.port),
      String(clients),
      String(messages),
      String(timeoutMs),
    ],
    { cwd: ROOT, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err = (err + d).slice(-2000);
  });
  try {
    const bar = phase(`Kairos: opening ${fmtCount(clients)} streams`, 1);
    const ready = await until(() => out.includes('ready') || child.exitCode !== null, 120_000, 50);
    bar.end();
    if (!ready || child.exitCode !== null) throw new Error(`stream clients did not connect: ${err}`);
    const first = Date.now() + 1500;
    for (let i = 0; i < messages; i++) {
      const due = first + i * 1000;
      const r = await k.api('POST', '/events', {
        json: { title: `Fan-out ${i}`, startsAt: iso(due), endsAt: iso(due + 3_600_000) },
      });
      if (r.status !== 201) throw new Error(`create: ${r.status} ${r.text}`);
    }
    const fbar = phase(`Kairos: ${messages} transitions to ${fmtCount(clients)} streams`, 1);
    await until(() => out.trim().split('\n').length >= 2 || child.exitCode !== null, timeoutMs + 10_000, 100);
    fbar.end();
    const line = out.trim().split('\n').at(-1) ?? '';
    return JSON.parse(line) as { latencyMs: number[]; expected: number; received: number; closed: number };
  } finally {
    await stopChild(child);
  }
}

export async function fanoutSection(ctx: Ctx): Promise<Section> {
  const messages = ctx.sizes.fanoutMessages;
  const section: Section = {
    id: 'fanout',
    title: 'Fan-out',
    about: `One client process holds every stream (raw sockets, a minimal SSE reader). ${messages} events fall due one second apart; each stream's receipt of each transition is timed from the trigger's due instant. Stream caps raised with \`KAIROS_STREAMS_MAX\` and \`KAIROS_STREAMS_PER_CLIENT\`. "missing": deliveries expected but not received.`,
    columns: [
      { key: 'p50', label: 'p50 ms' },
      { key: 'p99', label: 'p99 ms' },
      { key: 'max', label: 'max ms' },
      { key: 'deliveries', label: 'deliveries', digits: 0 },
      { key: 'missing', label: 'missing', digits: 0 },
    ],
    rows: [],
    notes: [],
  };
  const k = await freshKairos(CAPS);
  try {
    await k.start();
    for (const clients of ctx.sizes.fanout) {
      try {
        const r = await measure(k, clients, messages);
        const s = summarise(r.latencyMs);
        const goal = GOALS.find(([c]) => c >= clients)?.[1] ?? 200;
        addRow(section, {
          group: `${fmtCount(clients)} clients`,
          system: 'Kairos',
          kairos: true,
          cells: {
            p50: round(s.p50),
            p99: round(s.p99),
            max: round(s.max),
            deliveries: r.received,
            missing: r.expected - r.received,
          },
          goal: `p99 ≤ ${goal} ms`,
          met: s.p99 <= goal && r.received === r.expected,
        });
        if (r.closed > 0) section.notes.push(`${fmtCount(clients)} clients: the server closed ${r.closed} streams.`);
      } catch (e) {
        section.notes.push(`${fmtCount(clients)} clients: failed: ${String(e).slice(0, 300)}`);
      }
    }
  } finally {
    await k.dispose();
  }
  return section;
}
