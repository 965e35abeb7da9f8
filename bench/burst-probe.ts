/**
 * Burst probe (issue 8): N events whose start falls due at one instant, on a real `kairos serve`
 * process with a few public stream clients. Reports how late the last firing was and when the
 * clients heard the first and the last transition, relative to the due instant. A probe, not a
 * test: it prints numbers and asserts only that every client heard every transition once.
 *
 *   npx tsx bench/burst-probe.ts                       # 10 000 events, 3 clients
 *   EVENTS=3000 CLIENTS=10 KAIROS_FIRE_BATCH=100 npx tsx bench/burst-probe.ts
 *
 * The events are seeded straight into the running server's SQLite file with the server's own
 * repository code (one transaction, as `kairos doctor --fix` writes beside a server), so seeding
 * takes a second, not a minute of POSTs; the server sees the commit and arms its timer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedStarts } from '../packages/server/test/support/seed.ts';
import { stopAll, TestServer, tempDir } from '../packages/server/test/support/server.ts';
import { openStream } from '../packages/server/test/support/sse.ts';
import { cpuSeconds } from './lib/cpu.ts';

const EVENTS = Number(process.env.EVENTS ?? 10_000);
const CLIENTS = Number(process.env.CLIENTS ?? 3);
/** Time from seeding to the due instant: the server notices the seeded rows well within it. */
const LEAD_MS = Number(process.env.LEAD_MS ?? 25_000);

/** PROFILE_DIR=… : the server runs under `node --cpu-prof` (the profile is written when it stops). */
class ProfiledServer extends TestServer {
  override async start(): Promise<this> {
    const real = process.execPath;
    const dir = process.env.PROFILE_DIR as string;
    // TestServer spawns process.execPath with the CLI; put the profiler flags in front of it.
    const wrapper = path.join(tempDir('kairos-prof-'), 'node');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec ${real} --cpu-prof --cpu-prof-dir=${dir} "$@"\n`, { mode: 0o755 });
    Object.defineProperty(process, 'execPath', { value: wrapper, configurable: true });
    try {
      return await super.start();
    } finally {
      Object.defineProperty(process, 'execPath', { value: real, configurable: true });
    }
  }
}

async function main() {
  const file = path.join(tempDir('kairos-burst-'), 'kairos.sqlite');
  const env: Record<string, string> = {};
  for (const k of ['KAIROS_FIRE_BATCH', 'LOG_LEVEL']) if (process.env[k]) env[k] = process.env[k] as string;
  const server = await (process.env.PROFILE_DIR ? new ProfiledServer(file, env) : new TestServer(file, env)).start();
  const streams = Array.from({ length: CLIENTS }, () => openStream(server.url));
  await Promise.all(streams.map((s) => s.opened));
  const due = Date.now() + LEAD_MS;
  const t0 = Date.now();
  await seedStarts(file, EVENTS, due);
  console.log(`seeded ${EVENTS} events due at +${LEAD_MS} ms in ${Date.now() - t0} ms`);
  if (Date.now() > due - 1000) throw new Error('seeding took too long for the due instant; raise LEAD_MS');

  // CPU the server spends on the burst: on a shared, loaded machine a steadier figure than wall time.
  while (Date.now() < due - 300) await new Promise((r) => setTimeout(r, Math.min(200, due - 300 - Date.now())));
  const cpu0 = cpuSeconds(server.child?.pid ?? 0);
  const transitions = (s: (typeof streams)[number]) => s.messages.filter((m) => m.type === 'transition');
  const deadline = due + 180_000;
  while (streams.some((s) => transitions(s).length < EVENTS)) {
    if (Date.now() > deadline) {
      throw new Error(
        `heard ${streams.map((s) => transitions(s).length).join(', ')} of ${EVENTS} transitions:\n${server.output.slice(-3000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  let firstMs = Number.POSITIVE_INFINITY;
  let lastMs = 0;
  let maxLate = 0;
  for (const s of streams) {
    const got = transitions(s);
    const ids = new Set(got.map((m) => m.data.eventId));
    if (got.length !== EVENTS || ids.size !== EVENTS) throw new Error(`a client heard ${got.length} (${ids.size} distinct)`);
    firstMs = Math.min(firstMs, (got[0]?.receivedAt ?? 0) - due);
    lastMs = Math.max(lastMs, (got.at(-1)?.receivedAt ?? 0) - due);
    for (const m of got) maxLate = Math.max(maxLate, m.data.lateMs);
  }
  const cpu = cpuSeconds(server.child?.pid ?? 0) - cpu0;
  const batches = server.output.split('\n').filter((l) => l.includes('scheduler fired a batch')).length;
  const sched = await server.api('GET', '/scheduler', { token: server.adminToken });
  console.log(
    JSON.stringify({
      events: EVENTS,
      clients: CLIENTS,
      batch: env.KAIROS_FIRE_BATCH ?? 'default',
      lastFiringLateMs: maxLate,
      firstMessageMs: firstMs,
      lastMessageMs: lastMs,
      serverCpuMs: Math.round(cpu * 1000),
      batches,
      load: os.loadavg()[0]?.toFixed(1),
      serverLateness: sched.json.lateness,
    }),
  );
  for (const s of streams) s.close();
  await stopAll();
}

main().catch(async (error) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
