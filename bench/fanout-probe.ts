/**
 * Fan-out probe (issue 8): due → stream message latency with many stream clients held by one
 * client process. A probe, not a test: it prints numbers and asserts nothing.
 *
 *   CLIENTS=1000 npx tsx bench/fanout-probe.ts
 *   CLIENTS=10000 BOUNDARIES=6 npx tsx bench/fanout-probe.ts
 *
 * A real `kairos serve` (test/support/server.ts) on a temp SQLite file; N raw keep-alive HTTP
 * connections in this one process, each parsing SSE just enough to find `transition` frames and
 * their `dueAt`. Latency = local receipt time − the transition's `dueAt` (same machine clock), so
 * it includes firing lateness, serialisation, the server's writes and this process's reads.
 */
import http from 'node:http';
import { iso, startServer, stopAll } from '../packages/server/test/support/server.ts';

const CLIENTS = Number(process.env.CLIENTS ?? 1000);
const BOUNDARIES = Math.min(6, Number(process.env.BOUNDARIES ?? 6));
const STEP_MS = Number(process.env.STEP_MS ?? 1500);
/** Connections opened at once; above the default listen backlog (511) a burst could be refused. */
const OPEN_BATCH = 200;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];

interface Probe {
  samples: number[];
  hellos: number;
  closed: number;
}

function connect(url: string, agent: http.Agent, probe: Probe): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/api/v1/stream`, { agent, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`stream answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      let rest = '';
      let greeted = false;
      res.on('data', (chunk: string) => {
        const now = Date.now();
        rest += chunk;
        let end = rest.indexOf('\n\n');
        while (end !== -1) {
          const text = rest.slice(0, end);
          rest = rest.slice(end + 2);
          if (!greeted && text.includes('event: hello')) {
            greeted = true;
            probe.hellos++;
            resolve(req);
          } else if (text.includes('event: transition')) {
            const due = /"dueAt":"([^"]+)"/.exec(text)?.[1];
            if (due) probe.samples.push(now - Date.parse(due));
          }
          end = rest.indexOf('\n\n');
        }
      });
      res.on('close', () => probe.closed++);
    });
    req.on('error', reject);
    req.end();
  });
}

async function main() {
  const server = await startServer({
    LOG_LEVEL: 'warn',
    KAIROS_STREAMS_PER_CLIENT: String(CLIENTS + 10),
    KAIROS_STREAMS_MAX: String(CLIENTS + 10),
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const probe: Probe = { samples: [], hellos: 0, closed: 0 };
  const requests: http.ClientRequest[] = [];
  const t0 = Date.now();
  for (let i = 0; i < CLIENTS; i += OPEN_BATCH) {
    const n = Math.min(OPEN_BATCH, CLIENTS - i);
    requests.push(...(await Promise.all(Array.from({ length: n }, () => connect(server.url, agent, probe)))));
    process.stderr.write(`\r  connected ${requests.length}/${CLIENTS}`);
  }
  process.stderr.write(`\n  ${CLIENTS} streams open in ${Date.now() - t0} ms\n`);

  const start = Date.now() + 3000;
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
  const r = await server.api('POST', '/events', { token: server.adminToken, json: body });
  if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.text}`);

  const expected = CLIENTS * BOUNDARIES;
  const deadline = start + BOUNDARIES * STEP_MS + 30_000;
  while (probe.samples.length < expected && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  const sorted = [...probe.samples].sort((a, b) => a - b);
  const line = {
    clients: CLIENTS,
    boundaries: BOUNDARIES,
    received: `${probe.samples.length}/${expected}`,
    dropped: probe.closed,
    p50Ms: pct(sorted, 0.5),
    p99Ms: pct(sorted, 0.99),
    maxMs: sorted.at(-1),
  };
  console.log(JSON.stringify(line));
  for (const req of requests) req.destroy();
  agent.destroy();
  await stopAll();
}

main().catch(async (error) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
