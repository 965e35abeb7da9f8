/**
 * Row 1: firing lateness with N pending triggers. Every system holds N jobs; `sample` of them fall
 * due evenly over a short window, the rest hours later (they are the load). Kairos's lateness is
 * the server's own `lateMs` (history, carried by the stream message); a peer's is handler start −
 * due. Negative = early.
 */
import { firedLateness } from '../lib/fired.ts';
import { freshKairos } from '../lib/kairos.ts';
import { until } from '../lib/net.ts';
import { runPeer } from '../lib/peers-run.ts';
import { phase } from '../lib/progress.ts';
import type { Row, Section } from '../lib/results.ts';
import { seed } from '../lib/seed.ts';
import { quantiles, round, summarise } from '../lib/stats.ts';
import { addRow, type Ctx, peerSpecs } from './context.ts';

const HOUR = 3_600_000;
const WAIT_MS = 5000;

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

/** Dates of an event with one trigger at `startsAt` and its end an hour later. */
const oneShot = (startsAt: number, title: string) => ({
  dates: {
    registrationOpensAt: null,
    registrationClosesAt: null,
    startsAt,
    endsAt: startsAt + HOUR,
    certificatesOpenAt: null,
    certificatesCloseAt: null,
  },
  status: 'upcoming' as const,
  title,
});

/**
 * The pending load is seeded into the stopped server's file; the sample is seeded beside the
 * running server (which picks up another process's commit as it would `kairos doctor --fix`'s),
 * so the window does not depend on how long the server takes to start or how fast it writes.
 */
async function kairos(ctx: Ctx, pending: number): Promise<{ lateMs: number[]; missing: number }> {
  const { sample, spreadMs, leadMs } = ctx.sizes;
  const k = await freshKairos();
  try {
    // Each event holds two triggers (start, end): the sample's events count too.
    const farCount = Math.max(0, Math.round((pending - 2 * sample) / 2));
    const far = Date.now() + 2 * HOUR;
    const bar = phase(`Kairos: seeding ${fmtCount(pending)} pending triggers`, farCount);
    await seed(k.dbPath, {
      count: farCount,
      now: Date.now(),
      event: (i) => oneShot(far + i * 1000, `Pending ${i}`),
      onProgress: (done) => bar.set(done),
    });
    bar.end();
    await k.start();
    const start = Date.now() + leadMs;
    const dueOf = (i: number) => start + Math.round(((i - farCount) * spreadMs) / sample);
    await seed(k.dbPath, {
      count: sample,
      first: farCount,
      now: Date.now(),
      live: true,
      event: (i) => oneShot(dueOf(i), `Sample ${i}`),
    });
    const bar2 = phase(`Kairos: ${fmtCount(pending)} pending, firing ${sample}`, sample);
    let late: number[] = [];
    await until(
      () => {
        if (Date.now() < start) return false;
        late = firedLateness(k.dbPath, 'Sample ');
        bar2.set(late.length);
        return late.length >= sample;
      },
      leadMs + spreadMs + WAIT_MS,
      200,
    );
    bar2.end();
    return { lateMs: late, missing: sample - late.length };
  } finally {
    await k.dispose();
  }
}

export async function latenessSection(ctx: Ctx): Promise<Section> {
  const { sample, spreadMs, leadMs } = ctx.sizes;
  const section: Section = {
    id: 'lateness',
    title: 'Firing lateness',
    about: `N jobs pending in each system; ${sample} of them fall due evenly over ${spreadMs / 1000} s (opening ${leadMs / 1000} s after they are queued; Kairos's load is seeded into its file before it starts and the sample beside the running server), the rest 2 h later. Every peer configuration runs at ${fmtCount(ctx.sizes.pending.at(-1) ?? 0)} pending, the most precise ones at every size. Lateness of the ${sample}: Kairos's server-side \`lateMs\` (history: recorded instant − due, read from its file), a peer's handler start − due. "early" counts negative lateness; "missing" counts jobs that had not run ${WAIT_MS / 1000} s after the window.`,
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
    // Every configuration at the largest size; below it the most precise ones (a default polling
    // interval sets the lateness whatever the queue holds), which keeps the full run near 20 min.
    for (const spec of await peerSpecs(ctx, pending === ctx.sizes.pending.at(-1) ? 'all' : 'precise')) {
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
