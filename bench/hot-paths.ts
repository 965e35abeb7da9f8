/**
 * Benchmarks of the hot paths on a real server (loopback, temp SQLite file), bounded in count
 * and time. Prints numbers; asserts nothing (speed is measured here, never in tests).
 *
 *   npm run bench            # defaults: 2 000 events, 200 stream clients
 *   EVENTS=5000 CLIENTS=500 npm run bench
 */
import { performance } from 'node:perf_hooks';
import { iso, startServer, stopAll } from '../packages/server/test/support/server.ts';
import { openStream } from '../packages/server/test/support/sse.ts';

const EVENTS = Number(process.env.EVENTS ?? 2000);
const CLIENTS = Number(process.env.CLIENTS ?? 200);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? Number.NaN;
};
const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 0.5).toFixed(2)} ms · p99 ${pct(xs, 0.99).toFixed(2)} ms · max ${Math.max(...xs).toFixed(2)} ms`;
function bar(done: number, total: number, label: string) {
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(`\r  ${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
  if (done === total) process.stderr.write('\n');
}

async function main() {
  const server = await startServer({ LOG_LEVEL: 'warn' });
  const token = server.adminToken;
  const day = 86_400_000;
  const base = Date.now() + 30 * day;

  // 1. Event writes: each is one transaction (row + triggers + history), fsynced.
  const writes: number[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const start = base + (i % 500) * 3_600_000;
    const t0 = performance.now();
    const r = await server.api('POST', '/events', {
      token,
      json: {
        title: `Bench ${i}`,
        registrationOpensAt: iso(start - 7 * day),
        registrationClosesAt: iso(start - day),
        startsAt: iso(start),
        endsAt: iso(start + 7_200_000),
      },
    });
    writes.push(performance.now() - t0);
    if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.text}`);
    if (i % 50 === 49 || i === EVENTS - 1) bar(i + 1, EVENTS, 'creating events');
  }
  console.log(`event write (POST /events, ${EVENTS} sequential): ${fmt(writes)}`);

  // 2. List queries: first page and a deep page (keyset pagination keeps them alike).
  const firstPage: number[] = [];
  const deepPage: number[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 40; i++) {
    let t0 = performance.now();
    const r = await server.api('GET', '/events?limit=50');
    firstPage.push(performance.now() - t0);
    cursor ??= r.json.nextCursor;
    t0 = performance.now();
    await server.api('GET', `/events?limit=50&cursor=${encodeURIComponent(cursor ?? '')}&q=Bench`);
    deepPage.push(performance.now() - t0);
  }
  console.log(`list, first page of 50 (${EVENTS} events): ${fmt(firstPage)}`);
  console.log(`list, second page with q= (${EVENTS} events): ${fmt(deepPage)}`);

  // 3. Firing + fan-out: CLIENTS public streams; events whose start falls due together.
  const streams = Array.from({ length: CLIENTS }, () => openStream(server.url));
  await Promise.all(streams.map((s) => s.opened));
  const firings = 20;
  const due = Date.now() + 2500;
  const ids: string[] = [];
  for (let i = 0; i < firings; i++) {
    const r = await server.api('POST', '/events', {
      token,
      json: { title: `Fire ${i}`, startsAt: iso(due + i * 50), endsAt: iso(due + 3_600_000) },
    });
    ids.push(r.json.id);
  }
  const last = ids[ids.length - 1];
  await Promise.all(
    streams.map((s) => s.waitFor((ms) => ms.some((m) => m.type === 'transition' && m.data.eventId === last), 20_000)),
  );
  const receipt: number[] = [];
  for (const s of streams) {
    for (const m of s.messages)
      if (m.type === 'transition' && ids.includes(m.data.eventId)) receipt.push(m.receivedAt - Date.parse(m.data.dueAt));
  }
  const status = await server.api('GET', '/scheduler', { token });
  console.log(
    `firing lateness at the server (${status.json.lateness.count} firings): p50 ${status.json.lateness.p50Ms} ms · p99 ${status.json.lateness.p99Ms} ms · max ${status.json.lateness.maxMs} ms`,
  );
  console.log(`due → received by each of ${CLIENTS} stream clients (${receipt.length} deliveries): ${fmt(receipt)}`);
  for (const s of streams) s.close();
  await stopAll();
}

main().catch(async (error) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
