/**
 * Row 3: move N queued jobs, 10 moves in flight. Kairos: `PATCH /events/:id` moving startsAt
 * (and endsAt) an hour later, each its own fsynced write; peers: their reschedule API.
 */
import { freshKairos, iso, pool } from '../lib/kairos.ts';
import { runPeer } from '../lib/peers-run.ts';
import { phase } from '../lib/progress.ts';
import type { Row, Section } from '../lib/results.ts';
import { seed } from '../lib/seed.ts';
import { round, summarise } from '../lib/stats.ts';
import { addRow, type Ctx, peerSpecs } from './context.ts';
import { fmtCount } from './lateness.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const IN_FLIGHT = 10;

function row(group: string, system: string, kairos: boolean, latencyMs: number[], totalMs: number): Row {
  const s = summarise(latencyMs);
  return {
    group,
    system,
    kairos,
    cells: {
      perSec: round((latencyMs.length / totalMs) * 1000, 0),
      p50: round(s.p50),
      p99: round(s.p99),
      moved: latencyMs.length,
      totalS: round(totalMs / 1000),
    },
  };
}

async function kairos(ctx: Ctx): Promise<{ latencyMs: number[]; totalMs: number }> {
  const n = ctx.sizes.reschedule;
  const k = await freshKairos();
  try {
    const base = Date.now() + 30 * DAY;
    await seed(k.dbPath, {
      count: n,
      now: Date.now(),
      event: (i) => ({
        dates: {
          registrationOpensAt: null,
          registrationClosesAt: null,
          startsAt: base + i * 60_000,
          endsAt: base + i * 60_000 + HOUR,
          certificatesOpenAt: null,
          certificatesCloseAt: null,
        },
        status: 'upcoming',
        title: `Move ${i}`,
      }),
    });
    await k.start();
    const events: Array<{ id: string; startsAt: string; endsAt: string; version: number }> = [];
    for (let cursor = ''; ; ) {
      const r = await k.api('GET', `/events?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      events.push(...r.json.items);
      if (!r.json.nextCursor) break;
      cursor = r.json.nextCursor;
    }
    const bar = phase(`Kairos: moving ${fmtCount(n)} events`, n);
    const latencyMs: number[] = [];
    const t0 = performance.now();
    await pool(events, IN_FLIGHT, async (e) => {
      if (performance.now() - t0 > ctx.sizes.rescheduleMaxMs) return;
      const t = performance.now();
      const r = await k.api('PATCH', `/events/${e.id}`, {
        json: { startsAt: iso(Date.parse(e.startsAt) + HOUR), endsAt: iso(Date.parse(e.endsAt) + HOUR), version: e.version },
      });
      if (r.status !== 200) throw new Error(`PATCH: ${r.status} ${r.text}`);
      latencyMs.push(performance.now() - t);
      bar.add();
    });
    const totalMs = performance.now() - t0;
    bar.end();
    return { latencyMs, totalMs };
  } finally {
    await k.dispose();
  }
}

export async function rescheduleSection(ctx: Ctx): Promise<Section> {
  const n = ctx.sizes.reschedule;
  const group = `move ${fmtCount(n)}`;
  const section: Section = {
    id: 'reschedule',
    title: 'Reschedule',
    about: `${fmtCount(n)} jobs queued days ahead, then each moved an hour later with ${IN_FLIGHT} moves in flight. Kairos: \`PATCH /events/:id\` (startsAt and endsAt, with \`version\`), one fsynced transaction each; BullMQ: \`Job.changeDelay\`; graphile-worker: \`rescheduleJobs\`; pg-boss has no move, so cancel + send; setTimeout: clearTimeout + setTimeout (nothing persisted). Each run stops after ${ctx.sizes.rescheduleMaxMs / 1000} s; the rate counts what it moved. No goal in the issue: shown for scale.`,
    columns: [
      { key: 'perSec', label: 'moves/s', digits: 0 },
      { key: 'p50', label: 'p50 ms' },
      { key: 'p99', label: 'p99 ms' },
      { key: 'moved', label: 'moved', digits: 0 },
      { key: 'totalS', label: 'total s' },
    ],
    compare: { key: 'perSec', lowerIsBetter: false },
    rows: [],
    notes: [],
  };
  try {
    const k = await kairos(ctx);
    addRow(section, row(group, 'Kairos', true, k.latencyMs, k.totalMs));
  } catch (e) {
    section.notes.push(`Kairos: failed: ${String(e).slice(0, 300)}`);
  }
  for (const spec of await peerSpecs(ctx, 'defaults')) {
    try {
      const r = await runPeer(
        spec,
        { kind: 'reschedule', count: n, concurrency: IN_FLIGHT, maxMs: ctx.sizes.rescheduleMaxMs },
        300_000,
      );
      if (r.kind === 'reschedule')
        addRow(section, row(group, spec.label.replace(/ \(poll.*\)$/, ''), false, r.latencyMs, r.totalMs));
    } catch (e) {
      section.notes.push(`${spec.label}: failed: ${String(e).slice(0, 300)}`);
    }
  }
  return section;
}
