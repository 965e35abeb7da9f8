/**
 * `npm run soak`: load and soak on loopback (issue 10). One `kairos serve` on SQLite, 200
 * concurrent writers (the torture's driver: creates, date moves, approvals, cancels, deletes,
 * registrations, boundaries 0–10 s ahead so triggers keep falling due) and 1 000 live stream
 * clients, for SOAK_MINUTES (or --minutes; default 10). Samples the server's RSS, counts errors
 * (5xx, cut connections, dropped streams), reads trigger lateness from the history; then a
 * graceful SIGTERM under load, a restart, and the torture's checks: no acknowledged write lost,
 * no trigger lost, doctor clean. Prints a table, writes bench/results/soak-<time>.json, exits 1
 * on any error or violation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { openSse, type SseConnection } from '../../../../bench/lib/sse.ts';
import { summarise } from '../../../../bench/lib/stats.ts';
import { ROOT, TestServer, tempDir } from '../support/server.ts';
import { sleep } from '../support/timeline.ts';
import { Checker } from './check.ts';
import { Driver } from './driver.ts';
import { Journal } from './journal.ts';
import { Model } from './model.ts';
import { Rng } from './rng.ts';
import { SERVER_ENV, signIn } from './run.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: process.env.SOAK_MINUTES ?? '10' },
    writers: { type: 'string', default: '200' },
    streams: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
  },
});
const minutes = Number(values.minutes);
const writers = Number(values.writers);
const streams = Number(values.streams);
const log = (line: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const file = path.join(tempDir('kairos-soak-'), 'kairos.sqlite');
const server = new TestServer(file, {
  ...SERVER_ENV,
  // Limits are configuration: every stream client here shares 127.0.0.1.
  KAIROS_STREAMS_PER_CLIENT: String(streams + 100),
  KAIROS_STREAMS_MAX: String(streams + 100),
});
await server.start();
const tokens = await signIn(server);
const rss = (): number => {
  const status = fs.readFileSync(`/proc/${server.child?.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
};

// 1 000 stream clients; one in 50 parses its transitions for the due → received latency.
const stream = { frames: 0, transitions: 0, dropped: 0, latencyMs: [] as number[] };
let terminating = false;
const conns: SseConnection[] = [];
for (let i = 0; i < streams; i += 250) {
  const batch = Array.from({ length: Math.min(250, streams - i) }, (_, j) =>
    openSse(
      server.port,
      (f) => {
        stream.frames += 1;
        if (f.event !== 'transition') return;
        stream.transitions += 1;
        // Fired transitions carry their due instant; a write's own transition (an edit, an approval) has none.
        const due = f.data ? (JSON.parse(f.data) as { dueAt: string | null }).dueAt : null;
        if (due) stream.latencyMs.push(f.receivedAt - Date.parse(due));
      },
      {
        keepData: (i + j) % 50 === 0 ? (e) => e === 'transition' : false,
        onClose: () => {
          if (!terminating) stream.dropped += 1;
        },
      },
    ),
  );
  await Promise.all(batch.map((c) => c.hello));
  conns.push(...batch);
}
log(`${conns.length} streams open; ${writers} writers for ${minutes} min`);

const model = new Model();
const journal = new Journal(null);
const rng = new Rng(Number(values.seed));
const ready = { up: true };
const driver = new Driver(model, journal, { pick: () => (ready.up ? server.url : null), tokens }, rng, 400, [200, 2000]);
const t0 = Date.now();
const end = t0 + minutes * 60_000;
driver.start(writers);
const samples: Array<{ t: number; rssMb: number; writes: number }> = [];
while (Date.now() < end) {
  await sleep(2000);
  samples.push({ t: Math.round((Date.now() - t0) / 1000), rssMb: rss(), writes: journal.exchanges.length });
  if (samples.length % 15 === 0)
    log(
      `${samples.at(-1)?.t} s: RSS ${rss().toFixed(0)} MB, ${journal.exchanges.length} requests, ${stream.transitions} transitions streamed`,
    );
}
const duringLoad = journal.breakdown();
// Graceful SIGTERM with the writers still writing; then a restart and every check.
terminating = true;
ready.up = false;
const sigtermAt = Date.now();
const stopped = await server.stop();
log(`SIGTERM under load: exit ${stopped.code} in ${stopped.ms} ms`);
await sleep(2000);
await server.start();
ready.up = true;
await sleep(3000);
await driver.stop();
await sleep(1000);
// Under load: any 5xx or connection failure is an error. Requests in flight at the SIGTERM must
// still be answered (graceful stop finishes them); later ones may find the server gone.
const underLoad = journal.exchanges.filter((x) => x.sentAt < sigtermAt);
const failed = underLoad.filter((x) => (x.status !== null && x.status >= 500) || (x.status === null && x.error !== null));
const errorsUnderLoad: Record<string, number> = {};
for (const x of failed) {
  const why = `${x.op} ${x.status ?? x.error}`;
  errorsUnderLoad[why] = (errorsUnderLoad[why] ?? 0) + 1;
}
const inFlight = underLoad.filter((x) => x.answeredAt >= sigtermAt);
const checker = new Checker(model, file);
await checker.round(server, true);
for (const c of conns) c.close();
await server.stop();

const db = new Database(file, { readonly: true });
const late = db.prepare("select late_ms as late, at from history where cause = 'schedule' order by seq").all() as Array<{
  late: number;
  at: number;
}>;
const recovered = (db.prepare("select count(*) as n from history where cause = 'recovery'").get() as { n: number }).n;
db.close();
const third = Math.floor(samples.length / 3);
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const middle = mean(samples.slice(third, 2 * third).map((s) => s.rssMb));
const last = mean(samples.slice(2 * third).map((s) => s.rssMb));
const lateness = summarise(late.map((l) => l.late));
const streamLatency = summarise(stream.latencyMs);
const result = {
  startedAt: new Date(t0).toISOString(),
  minutes,
  writers,
  streams,
  requests: journal.exchanges.length,
  acknowledged: journal.count('ack'),
  byOp: journal.breakdown().byOp,
  refusedUnderLoad: duringLoad.refusals,
  errorsUnderLoad,
  streamsDropped: stream.dropped,
  transitionsStreamed: stream.transitions,
  rssMb: {
    middleThird: Math.round(middle),
    lastThird: Math.round(last),
    max: Math.round(Math.max(...samples.map((s) => s.rssMb))),
  },
  rssFlat: last <= middle * 1.1,
  triggerLatenessMs: lateness,
  streamLatencyMs: streamLatency,
  sigterm: {
    exitCode: stopped.code,
    ms: stopped.ms,
    inFlight: inFlight.length,
    inFlightAnswered: inFlight.filter((x) => x.status !== null).length,
    recoveredTriggers: recovered,
  },
  checks: checker.tally,
  violations: checker.violations,
  samples,
};
const rows: Array<[string, string | number]> = [
  ['duration', `${minutes} min`],
  ['writers / stream clients', `${writers} / ${conns.length}`],
  ['requests (acknowledged)', `${result.requests} (${result.acknowledged})`],
  ['errors under load (5xx, cut, timeouts)', failed.length],
  ['streams dropped under load', stream.dropped],
  ['transitions streamed (all clients)', stream.transitions],
  ['RSS MB: middle third → last third (max)', `${result.rssMb.middleThird} → ${result.rssMb.lastThird} (${result.rssMb.max})`],
  ['memory flat (last ≤ middle × 1.1)', String(result.rssFlat)],
  ['trigger lateness ms p50 / p99 / max', `${lateness.p50} / ${lateness.p99} / ${lateness.max} (${lateness.count} fired)`],
  ['stream due→received ms p50 / p99', `${streamLatency.p50} / ${streamLatency.p99}`],
  ['SIGTERM under load: exit, ms', `${stopped.code}, ${stopped.ms}`],
  ['requests in flight at SIGTERM (answered)', `${inFlight.length} (${result.sigterm.inFlightAnswered})`],
  ['after restart: recovered triggers', recovered],
  ['after restart: writes matched / transitions checked', `${checker.tally.writes} / ${checker.tally.transitions}`],
  ['violations (lost write, lost trigger, doctor)', checker.violations.length],
];
const width = Math.max(...rows.map(([k]) => k.length));
for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
for (const v of checker.violations.slice(0, 30)) process.stdout.write(`  VIOLATION ${v}\n`);
const out = path.join(ROOT, 'bench/results', `soak-${new Date(t0).toISOString().replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
log(`result: ${path.relative(ROOT, out)}`);
process.exit(checker.violations.length || failed.length || stream.dropped ? 1 : 0);
