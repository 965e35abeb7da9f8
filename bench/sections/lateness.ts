/**
 * Row 1: firing lateness with N pending triggers. Every system holds N jobs; `sample` of them fall
 * due evenly over a short window, the rest hours later (they are the load). Kairos's lateness is
 * the server's own `lateMs` (history, carried by the stream message); a peer's is handler start −
 * due. Negative = early.
 */
import { iso, Kairos, pool } from '../lib/kairos.ts';
import { until } from '../lib/net.ts';
import { runPeer } from '../lib/peers-run.ts';
import { phase } from '../lib/progress.ts';
import type { Row, Section } from '../lib/results.ts';
import { seed } from '../lib/seed.ts';
import { openSse } from '../lib/sse.ts';
import { quantiles, round, summarise } from '../lib/stats.ts';
import { addRow, type Ctx, peerSpecs } from './context.ts';

const HOUR = 3_600_000;
const WAIT_MS = 8000;

export const fmtCount = (n: number): string => n.toLocaleString('en-US').replaceAll(',', ' ');

function row(group: string, system: string, kairos: boolean, lateMs: number[], missing: number): Row {
  const s = summarise(lateMs);
  const early = lateMs.filter((x) => x < 0).length;
  const r: Row = {
    group,
    system,
    kairos,
    cells: { p50: round(s.p50), p99: round(s.p99), max: round(s.max), early, missing },
    curve: quantiles(lateMs, missing),
  };
  if (kairos) {
    r.goal = 'p99 ≤ 5 ms, never early';
    r.met = s.p99 <= 5 && early === 0 && missing === 0;
  }
  return r;
}

async function kairos(ctx: Ctx, pending: number): Promise<{ lateMs: number[]; missing: number }> {
  const { sample, spreadMs, leadMs } = ctx.sizes;
  const k = new Kairos();
  try {
    await k.start();
    await k.stop();
    // Each event holds two triggers (start, end): the sample's events count too.
    const far = Date.now() + 2 * HOUR;
    const bar = phase(`Kairos: seeding ${fmtCount(pending)} pending triggers`, pending);
    await seed(k.dbPath, {
      count: Math.max(0, Math.round((pending - 2 * sample) / 2)),
      now: Date.now(),
      event: (i) => ({
        dates: {
          registrationOpensAt: null,
          registrationClosesAt: null,
          startsAt: far + i * 1000,
          endsAt: far + i * 1000 + HOUR,
          certificatesOpenAt: null,
          certificatesCloseAt: null,
        },
        status: 'upcoming',
        title: `Pending ${i}`,
      }),
      onProgress: (done) => bar.set(done * 2),
    });
    bar.end();
    await k.start();
    const late = new Map<string, number>();
    const sse = openSse(
      k.port,
      (f) => {
        if (f.event !== 'transition' || !f.data) return;
        const d = JSON.parse(f.data) as { eventId: string; trigger: string | null; lateMs: number | null };
        if (d.trigger === 'event_start' && d.lateMs !== null) late.set(d.eventId, d.lateMs);
      },
      { keepData: (e) => e === 'transition' },
    );
    await sse.hello;
    const start = Date.now() + leadMs;
    const ids: string[] = [];
    const bar2 = phase(`Kairos: ${fmtCount(pending)} pending, creating and firing ${sample}`, sample);
    await pool(
      Array.from({ length: sample }, (_, i) => i),
      10,
      async (i) => {
        const at = start + Math.round((i * spreadMs) / sample);
        const r = await k.api('POST', '/events', {
          json: { title: `Sample ${i}`, startsAt: iso(at), endsAt: iso(start + spreadMs + HOUR) },
        });
        if (r.status !== 201) throw new Error(`create: ${r.status} ${r.text}`);
        ids.push(r.json.id);
      },
    );
    await until(
      () => {
        bar2.set(late.size);
        return late.size >= sample;
      },
      leadMs + spreadMs + WAIT_MS,
      50,
    );
    bar2.end();
    sse.close();
    const lateMs = ids.flatMap((id) => (late.has(id) ? [late.get(id) as number] : []));
    return { lateMs, missing: sample - lateMs.length };
  } finally {
    await k.dispose();
  }
}

export async function latenessSection(ctx: Ctx): Promise<Section> {
  const { sample, spreadMs, leadMs } = ctx.sizes;
  const section: Section = {
    id: 'lateness',
    title: 'Firing lateness',
    about: `N jobs pending in each system; ${sample} of them fall due evenly over ${spreadMs / 1000} s (starting ${leadMs / 1000} s after they are queued), the rest 2 h later. Lateness of the ${sample}: Kairos's server-side \`lateMs\` (recorded instant − due), a peer's handler start − due. "early" counts negative lateness; "missing" counts jobs that had not run ${WAIT_MS / 1000} s after the window.`,
    columns: [
      { key: 'p50', label: 'p50 ms' },
      { key: 'p99', label: 'p99 ms' },
      { key: 'max', label: 'max ms' },
      { key: 'early', label: 'early', digits: 0 },
      { key: 'missing', label: 'missing', digits: 0 },
    ],
    compare: { key: 'p99', lowerIsBetter: true },
    rows: [],
    notes: [],
    chart: {
      file: 'lateness-cdf.svg',
      title: `Lateness CDF, ${fmtCount(ctx.sizes.pending.at(-1) ?? 0)} pending`,
      xLabel: 'lateness (ms, log scale)',
      yLabel: 'share of firings',
      group: `${fmtCount(ctx.sizes.pending.at(-1) ?? 0)} pending`,
      yScale: 1,
    },
  };
  for (const pending of ctx.sizes.pending) {
    const group = `${fmtCount(pending)} pending`;
    try {
      const k = await kairos(ctx, pending);
      addRow(section, row(group, 'Kairos', true, k.lateMs, k.missing));
    } catch (e) {
      section.notes.push(`Kairos, ${group}: failed: ${String(e).slice(0, 300)}`);
    }
    for (const spec of await peerSpecs(ctx, 'all')) {
      try {
        const r = await runPeer(spec, { kind: 'lateness', pending, sample, spreadMs, leadMs, waitMs: WAIT_MS }, 300_000);
        if (r.kind === 'lateness') addRow(section, row(group, spec.label, false, r.lateMs, r.missing));
      } catch (e) {
        section.notes.push(`${spec.label}, ${group}: failed: ${String(e).slice(0, 300)}`);
      }
    }
  }
  return section;
}
