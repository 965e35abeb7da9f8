/**
 * SPEC §7: a client that stops reading is dropped once about 1 MB is buffered for it, never
 * buffered without limit; the other clients are unaffected; reconnecting with its last id gives
 * it everything it missed, in order, exactly once. Over real HTTP: the slow client is a raw
 * socket that reads `hello` and then stops reading (the kernel buffers fill, then the server's).
 */
import net from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openRaw, parseFrames, type RawStream } from './support/raw-stream.ts';
import { iso, startServer, stopAll, type TestServer } from './support/server.ts';

let server: TestServer;
const closers: Array<() => void> = [];

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  for (const close of closers) close();
  await stopAll();
});

/** A stream client that reads up to `hello`, then stops reading until `resume()`. */
function stalledClient(port: number) {
  const socket = net.connect({ port, host: '127.0.0.1' });
  closers.push(() => socket.destroy());
  socket.setEncoding('utf8');
  let text = '';
  let stopped = false;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const greeted = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (!stopped && text.includes('event: hello')) {
        stopped = true;
        socket.pause();
        resolve();
      }
    });
    socket.once('error', reject);
  });
  socket.write(`GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
  return { greeted, closed, resume: () => socket.resume(), text: () => text };
}

async function streamClients(): Promise<number> {
  const r = await server.request('GET', '/metrics');
  return Number(/^kairos_stream_clients (\d+)/m.exec(r.text)?.[1]);
}

const ids = (frames: { id: number | null }[]) => frames.flatMap((f) => (f.id === null ? [] : [f.id]));

test('a client that stops reading is dropped, others are unaffected, and a reconnect replays what it missed', async () => {
  const day = 86_400_000;
  const created = await server.api('POST', '/events', {
    token: server.adminToken,
    json: {
      title: 'Backpressure',
      registrationOpensAt: iso(Date.now() + day),
      registrationClosesAt: iso(Date.now() + 2 * day),
      startsAt: iso(Date.now() + 3 * day),
      endsAt: iso(Date.now() + 4 * day),
    },
  });
  expect(created.status, created.text).toBe(201);
  const id = created.json.id as string;

  const reader: RawStream = await openRaw(server.url);
  closers.push(() => reader.close());
  await reader.waitFor((f) => f.some((m) => m.type === 'hello'), 5000);
  const stalled = stalledClient(server.port);
  await stalled.greeted;
  expect(await streamClients()).toBe(2);

  // ~30 KB per message (10 000 three-byte characters): the kernel's socket buffers hold a few
  // MB on loopback before the server's own buffer starts to grow.
  let patches = 0;
  let droppedAt = 0;
  while (patches < 600 && (droppedAt === 0 || patches < droppedAt + 5)) {
    const description = `${patches} ${'中'.repeat(9990)}`;
    const r = await server.api('PATCH', `/events/${id}`, { token: server.adminToken, json: { description } });
    expect(r.status, r.text).toBe(200);
    patches++;
    if (droppedAt === 0 && patches % 10 === 0 && (await streamClients()) === 1) droppedAt = patches;
  }
  expect(droppedAt, 'the stalled client was never dropped').toBeGreaterThan(0);

  // The reader got every update, in order; its stream is still open.
  const updates = await reader.waitFor((f) => {
    const u = f.filter((m) => m.type === 'event.updated');
    return u.length === patches && u;
  }, 20_000);
  expect(updates.map((m) => Number(m.data.event.description.split(' ')[0]))).toEqual([...Array(patches).keys()]);
  expect(reader.isEnded()).toBe(false);

  // The stalled client, reading again, finds its connection ended after far less than the
  // traffic: the server held at most about 1 MB for it beyond what the kernel held.
  stalled.resume();
  await stalled.closed;
  const received = Buffer.byteLength(stalled.text());
  const traffic = Buffer.byteLength(reader.text);
  expect(received, `${received} of ${traffic} bytes reached the stalled client`).toBeLessThan(traffic);
  const got = parseFrames(
    stalled
      .text()
      .slice(0, stalled.text().lastIndexOf('\n\n') + 2)
      .replace(/\r\n[0-9a-f]+\r\n/g, ''),
  );
  const gotIds = ids(got);
  const allIds = ids(reader.frames);
  expect(gotIds.length).toBeGreaterThan(0);
  expect(gotIds).toEqual(allIds.slice(0, gotIds.length));

  // Reconnecting with its last id: everything after it, once, in order.
  const last = gotIds.at(-1) as number;
  const again = await openRaw(server.url, { lastEventId: last });
  closers.push(() => again.close());
  const missed = allIds.filter((n) => n > last);
  const replayed = await again.waitFor((f) => {
    const got2 = ids(f);
    return got2.length >= missed.length && got2;
  }, 20_000);
  expect(replayed).toEqual(missed);
}, 120_000);

test('a client that reads gets a burst far larger than the limit (another process commits 8 000 entries) without being dropped', async () => {
  const created = await server.api('POST', '/events', {
    token: server.adminToken,
    json: {
      title: `Burst anchor ${'x'.repeat(150)}`,
      startsAt: iso(Date.now() + 86_400_000),
      endsAt: iso(Date.now() + 90_000_000),
    },
  });
  expect(created.status, created.text).toBe(201);
  const reader = await openRaw(server.url);
  closers.push(() => reader.close());
  await reader.waitFor((fs) => fs.some((f) => f.type === 'hello'), 10_000);
  // Another process (as `kairos doctor --fix` would) appends public entries about a real event:
  // each message carries the event, so the whole burst is several MB, all due at once.
  const db = new Database(server.dbPath);
  const owner = (db.prepare('select created_by as o from events where id = ?').get(created.json.id) as { o: string }).o;
  const insert = db.prepare(
    `insert into history (event_id, owner_id, at, cause, actor, to_status, to_phase, reason)
     values (?, ?, ?, 'edit', ?, 'upcoming', 'scheduled', 'bulk')`,
  );
  db.transaction(() => {
    for (let i = 0; i < 8000; i++) insert.run(created.json.id, owner, Date.now(), owner);
  })();
  db.close();
  await reader.waitFor((fs) => fs.filter((f) => f.type === 'event.updated').length >= 8000, 60_000);
  expect(reader.isEnded()).toBe(false);
  expect(reader.text.length).toBeGreaterThan(4 * 1024 * 1024);
}, 120_000);
