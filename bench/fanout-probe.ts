/**
 * Fan-out probe (issue 8): due → stream message latency with many stream clients held by one
 * client process. A probe, not a test: it prints numbers and asserts nothing.
 *
 *   CLIENTS=1000 npx tsx bench/fanout-probe.ts
 *   CLIENTS=10000 BOUNDARIES=6 npx tsx bench/fanout-probe.ts
 *   CLIENTS=1000 EVENTS=200 npx tsx bench/fanout-probe.ts   # bursts: 200 transitions per instant
 *
 * A real `kairos serve` (test/support/server.ts) on a temp SQLite file; N raw TCP connections
 * in this one process, each parsing SSE just enough to find `transition` frames and
 * their `dueAt`. Latency = local receipt time − the transition's `dueAt` (same machine clock), so
 * it includes firing lateness, serialisation, the server's writes and this process's reads.
 */
import net from 'node:net';
import { iso, startServer, stopAll } from '../packages/server/test/support/server.ts';

const CLIENTS = Number(process.env.CLIENTS ?? 1000);
const BOUNDARIES = Math.min(6, Number(process.env.BOUNDARIES ?? 6));
/** Events sharing the same dates: each boundary is a burst of this many transitions. */
const EVENTS = Number(process.env.EVENTS ?? 1);
const STEP_MS = Number(process.env.STEP_MS ?? 1500);
/** Connections opened at once; above the default listen backlog (511) a burst could be refused. */
const OPEN_BATCH = 200;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];

interface Probe {
  /** Receipt − dueAt: the goal's measure. */
  samples: number[];
  /** Receipt − the entry's `at` (its firing time): the fan-out's own share. */
  delivery: number[];
  hellos: number;
  closed: number;
}

const HELLO = Buffer.from('event: hello');
const TRANSITION = Buffer.from('event: transition');
const DUE = Buffer.from('"dueAt":"');
const AT = Buffer.from('"at":"');
const ISO_LENGTH = '2026-11-30T12:00:00.000Z'.length;
const parsed = new Map<string, number>();
const instant = (s: string) => {
  let ms = parsed.get(s);
  if (ms === undefined) {
    ms = Date.parse(s);
    parsed.set(s, ms);
  }
  return ms;
};

/**
 * A raw socket speaking just enough HTTP/1.1: the request line, then the body scanned as bytes.
 * The scan is kept cheap because at 10 000 connections this process's own reading is a large
 * part of what the probe measures (an `http.request` client adds an HTTP parser and a stream per
 * message; not measured separately). A marker split across two reads loses that sample; the
 * `received` count shows it.
 */
function connect(port: number, probe: Probe): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.write(`GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
    });
    let answered = false;
    let greeted = false;
    socket.on('data', (buf: Buffer) => {
      const now = Date.now();
      if (!greeted) {
        if (!answered && !buf.toString('latin1', 0, 12).startsWith('HTTP/1.1 200')) {
          reject(new Error(`stream answered ${buf.toString('latin1', 0, 40)}`));
          socket.destroy();
          return;
        }
        answered = true;
        if (buf.indexOf(HELLO) !== -1) {
          greeted = true;
          probe.hellos++;
          resolve(socket);
        }
        return;
      }
      let i = buf.indexOf(TRANSITION);
      while (i !== -1) {
        const d = buf.indexOf(DUE, i);
        const a = buf.indexOf(AT, i);
        if (d !== -1) probe.samples.push(now - instant(buf.toString('latin1', d + DUE.length, d + DUE.length + ISO_LENGTH)));
        if (a !== -1) probe.delivery.push(now - instant(buf.toString('latin1', a + AT.length, a + AT.length + ISO_LENGTH)));
        i = buf.indexOf(TRANSITION, i + 1);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => probe.closed++);
  });
}

async function main() {
  const server = await startServer({
    LOG_LEVEL: 'warn',
    KAIROS_STREAMS_PER_CLIENT: String(CLIENTS + 10),
    KAIROS_STREAMS_MAX: String(CLIENTS + 10),
  });
  const probe: Probe = { samples: [], delivery: [], hellos: 0, closed: 0 };
  const sockets: net.Socket[] = [];
  const t0 = Date.now();
  for (let i = 0; i < CLIENTS; i += OPEN_BATCH) {
    const n = Math.min(OPEN_BATCH, CLIENTS - i);
    sockets.push(...(await Promise.all(Array.from({ length: n }, () => connect(server.port, probe)))));
    process.stderr.write(`\r  connected ${sockets.length}/${CLIENTS}`);
  }
  process.stderr.write(`\n  ${CLIENTS} streams open in ${Date.now() - t0} ms\n`);

  const start = Date.now() + 3000 + EVENTS * 100;
  const names = [
    'registrationOpensAt',
    'registrationClosesAt',
    'startsAt',
    'endsAt',
    'certificatesOpenAt',
    'certificatesCloseAt',
  ] as const;
  const body: Record<string, string> = { title: 'Fan-out probe' };
  names.forEach((name, i) => {
    body[name] = iso(start + i * STEP_MS);
  });
  // Boundaries not probed are pushed far out, keeping their order valid.
  names.slice(BOUNDARIES).forEach((name, i) => {
    body[name] = iso(start + 86_400_000 + i * STEP_MS);
  });
  for (let i = 0; i < EVENTS; i++) {
    const r = await server.api('POST', '/events', { token: server.adminToken, json: body });
    if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.text}`);
  }
  if (Date.now() > start - 500) throw new Error('creating the events took too long: lower EVENTS');

  const expected = CLIENTS * BOUNDARIES * EVENTS;
  const deadline = start + BOUNDARIES * STEP_MS + 30_000;
  while (probe.samples.length < expected && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  const sorted = [...probe.samples].sort((a, b) => a - b);
  const delivery = [...probe.delivery].sort((a, b) => a - b);
  const line = {
    clients: CLIENTS,
    boundaries: BOUNDARIES,
    events: EVENTS,
    received: `${probe.samples.length}/${expected}`,
    dropped: probe.closed,
    p50Ms: pct(sorted, 0.5),
    p99Ms: pct(sorted, 0.99),
    maxMs: sorted.at(-1),
    deliveryP50Ms: pct(delivery, 0.5),
    deliveryP99Ms: pct(delivery, 0.99),
  };
  console.log(JSON.stringify(line));
  for (const socket of sockets) socket.destroy();
  await stopAll();
}

main().catch(async (error) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
