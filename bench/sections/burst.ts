/**
 * Row 2: a burst of N jobs due at one instant. For Kairos: when the last fired (history `at`),
 * and when a stream client got the first and the last message; for a peer: its first and last
 * handler start. The drain curve (fired count over time since the instant) feeds the chart.
 */
import { firedLateness } from '../lib/fired.ts';
import { freshKairos } from '../lib/kairos.ts';
import { until } from '../lib/net.ts';
import { runPeer } from '../lib/peers-run.ts';
import { phase } from '../lib/progress.ts';
import type { Section } from '../lib/results.ts';
import { seed } from '../lib/seed.ts';
import { openSse } from '../lib/sse.ts';
import { quantiles, round, summarise } from '../lib/stats.ts';
import { addRow, type Ctx, peerSpecs } from './context.ts';
import { fmtCount } from './lateness.ts';

const HOUR = 3_600_000;

async function kairos(ctx: Ctx, waitMs: number) {
  const n = ctx.sizes.burst;
  const k = await freshKairos();
  try {
    await k.start();
    const streamed: number[] = [];
    let due = Number.POSITIVE_INFINITY;
    const sse = openSse(
      k.port,
      (f) => {
        if (f.event !== 'transition' || !f.data) return;
        if (f.data.includes('"trigger":"event_start"')) streamed.push(f.receivedAt - due);
      },
      { keepData: (e) => e === 'transition' },
    );
    await sse.hello;
    // Seeded beside the running server, which picks the commit up as any other process's.
    due = Date.now() + ctx.sizes.burstLeadMs;
    const t0 = Date.now();
    const bar = phase(`Kairos: seeding ${fmtCount(n)} events due at one instant`, n);
    await seed(k.dbPath, {
      count: n,
      now: Date.now(),
      live: true,
      event: (i) => ({
        dates: {
          registrationOpensAt: null,
          registrationClosesAt: null,
          startsAt: due,
          endsAt: due + HOUR,
          certificatesOpenAt: null,
          certificatesCloseAt: null,
        },
        status: 'upcoming',
        title: `Burst ${i}`,
      }),
      onProgress: (done) => bar.set(done),
    });
    bar.end();
    const addMs = Date.now() - t0;
    const bar2 = phase(`Kairos: burst of ${fmtCount(n)} (fired)`, n);
    let fired: number[] = [];
    await until(
      () => {
        if (Date.now() < due) return false;
        fired = firedLateness(k.dbPath, 'Burst ');
        bar2.set(fired.length);
        return fired.length >= n && streamed.length >= n;
      },
      Math.max(0, due - Date.now()) + waitMs,
      200,
    );
    bar2.end();
    sse.close();
    return { fired, streamed, addMs };
  } finally {
    await k.dispose();
  }
}

/** The burst table's columns (the cluster burst table adds its own after these). */
export const BURST_COLUMNS = [
  { key: 'firstFired', label: 'first fired ms' },
  { key: 'lastFired', label: 'last fired ms' },
  { key: 'firstStream', label: 'first message ms' },
  { key: 'lastStream', label: 'last message ms' },
  { key: 'missing', label: 'missing', digits: 0 },
];

export async function burstSection(ctx: Ctx): Promise<Section> {
  const n = ctx.sizes.burst;
  const waitMs = ctx.sizes.burstWaitMs;
  const group = `${fmtCount(n)} due at one instant`;
  const section: Section = {
    id: 'burst',
    title: 'Burst',
    about: `${fmtCount(n)} jobs due at the same instant (queued ${ctx.sizes.burstLeadMs / 1000} s before it; Kairos's are seeded beside the running server). Times are ms after the instant: first and last firing (Kairos: history \`at\`; a peer: handler start), and for Kairos the first and last message received by one stream client. "missing": not fired ${waitMs / 1000} s after the instant.`,
    columns: BURST_COLUMNS,
    compare: { key: 'lastFired', lowerIsBetter: true },
    rows: [],
    notes: [],
    chart: {
      file: 'burst-drain.svg',
      title: `Burst drain: ${fmtCount(n)} due at one instant`,
      xLabel: 'time since the due instant (ms, log scale)',
      yLabel: 'fired',
      group,
      yScale: n,
    },
  };
  try {
    const k = await kairos(ctx, waitMs);
    const f = summarise(k.fired);
    const s = summarise(k.streamed);
    const missing = n - k.fired.length;
    const unstreamed = n - k.streamed.length;
    addRow(section, {
      group,
      system: 'Kairos',
      kairos: true,
      cells: { firstFired: round(f.min), lastFired: round(f.max), firstStream: round(s.min), lastStream: round(s.max), missing },
      curve: quantiles(k.fired, missing),
      goal: 'all fired and streamed within 1 s; first message within 50 ms',
      met: missing === 0 && unstreamed === 0 && s.max <= 1000 && s.min <= 50,
    });
    if (unstreamed > 0)
      section.notes.push(
        `Kairos: ${unstreamed} transitions had not reached the stream client ${waitMs / 1000} s after the instant.`,
      );
    if (k.addMs > ctx.sizes.burstLeadMs) section.notes.push(`Kairos: seeding took ${k.addMs} ms, longer than the lead.`);
  } catch (e) {
    section.notes.push(`Kairos: failed: ${String(e).slice(0, 300)}`);
  }
  for (const spec of await peerSpecs(ctx, 'all')) {
    try {
      const r = await runPeer(spec, { kind: 'burst', count: n, leadMs: ctx.sizes.burstLeadMs, waitMs }, waitMs + 120_000);
      if (r.kind !== 'burst') continue;
      const f = summarise(r.firedMs);
      addRow(section, {
        group,
        system: spec.label,
        kairos: false,
        cells: { firstFired: round(f.min), lastFired: round(f.max), firstStream: null, lastStream: null, missing: r.missing },
        curve: quantiles(r.firedMs, r.missing),
      });
      if (r.lateStart) section.notes.push(`${spec.label}: adding the jobs took ${r.addMs} ms, longer than the lead.`);
    } catch (e) {
      section.notes.push(`${spec.label}: failed: ${String(e).slice(0, 300)}`);
    }
  }
  return section;
}
