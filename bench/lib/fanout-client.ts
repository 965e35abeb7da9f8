/**
 * Many stream clients in ONE process (issue 8: not a thread per client): raw sockets with the
 * minimal SSE reader. `tsx bench/lib/fanout-client.ts <port> <clients> <messages> <timeoutMs>`.
 * Prints `ready` once every stream got `hello`, then waits for `messages` transitions on every
 * stream and prints one JSON line: due → received latencies (dueAt read from one copy of each).
 */
import { sleep } from './net.ts';
import { openSse, type SseConnection } from './sse.ts';

const [port, clients, messages, timeoutMs] = process.argv.slice(2).map(Number) as [number, number, number, number];
const OPEN_BATCH = 250;

const dueOf = new Map<number, number>();
const receipts: Array<[number, number]> = [];
const perId = new Map<number, number>();
let closed = 0;
const conns: SseConnection[] = [];

for (let i = 0; i < clients; i += OPEN_BATCH) {
  const batch: SseConnection[] = [];
  for (let j = i; j < Math.min(clients, i + OPEN_BATCH); j++) {
    batch.push(
      openSse(
        port,
        (f) => {
          if (f.event !== 'transition') return;
          receipts.push([f.id, f.receivedAt]);
          perId.set(f.id, (perId.get(f.id) ?? 0) + 1);
          if (f.data && !dueOf.has(f.id)) dueOf.set(f.id, Date.parse((JSON.parse(f.data) as { dueAt: string }).dueAt));
        },
        {
          // Parse one copy per message (the data of a stream whose index is 0 mod 50), not 10 000.
          keepData: j % 50 === 0 ? (e) => e === 'transition' : false,
          onClose: () => {
            closed += 1;
          },
        },
      ),
    );
  }
  await Promise.all(batch.map((c) => c.hello));
  conns.push(...batch);
}
process.stdout.write('ready\n');

const deadline = Date.now() + timeoutMs;
while (Date.now() < deadline && receipts.length < clients * messages) await sleep(50);
const latencyMs = receipts.flatMap(([id, at]) => {
  const due = dueOf.get(id);
  return due === undefined ? [] : [at - due];
});
process.stdout.write(`${JSON.stringify({ latencyMs, expected: clients * messages, received: receipts.length, closed })}\n`);
for (const c of conns) c.close();
process.exit(0);
