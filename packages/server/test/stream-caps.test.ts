/**
 * SPEC §7: a stream is a resource. At most KAIROS_STREAMS_PER_CLIENT streams per client address
 * and KAIROS_STREAMS_MAX in all; beyond, `503` with `Retry-After` and the SPEC §6 error shape;
 * a closed stream frees its place. `HEAD /stream` answers headers and ends. Over real HTTP;
 * the loopback addresses 127.0.0.2 and 127.0.0.3 stand for other clients.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { openRaw, type RawStream } from './support/raw-stream.ts';
import { startServer, stopAll, type TestServer } from './support/server.ts';

let server: TestServer;
const open: RawStream[] = [];

beforeAll(async () => {
  server = await startServer({ KAIROS_STREAMS_PER_CLIENT: '3', KAIROS_STREAMS_MAX: '5' });
});

afterAll(async () => {
  for (const s of open) s.close();
  await stopAll();
});

async function stream(localAddress: string): Promise<RawStream> {
  const s = await openRaw(server.url, { localAddress });
  open.push(s);
  if (s.status === 200) await s.waitFor((f) => f.some((m) => m.type === 'hello'), 5000);
  else await s.ended;
  return s;
}

function expectRefused(s: RawStream): void {
  expect(s.status).toBe(503);
  expect(Number(s.headers['retry-after'])).toBeGreaterThan(0);
  const body = JSON.parse(s.text);
  expect(body.error.code).toBe('unavailable');
  expect(body.error.message).toMatch(/stream/);
}

async function clients(): Promise<number> {
  const r = await server.request('GET', '/metrics');
  return Number(/^kairos_stream_clients (\d+)/m.exec(r.text)?.[1]);
}

describe('stream caps', () => {
  test('per address, then in all; a closed stream frees its place; HEAD never opens a stream', async () => {
    const first = await Promise.all([stream('127.0.0.1'), stream('127.0.0.1'), stream('127.0.0.1')]);
    for (const s of first) expect(s.status).toBe(200);
    expectRefused(await stream('127.0.0.1'));

    // Another address still has room until the total is reached.
    expect((await stream('127.0.0.2')).status).toBe(200);
    expect((await stream('127.0.0.2')).status).toBe(200);
    expect(await clients()).toBe(5);
    expectRefused(await stream('127.0.0.3'));

    // HEAD answers at once, even at the cap, and holds nothing open.
    const head = await openRaw(server.url, { method: 'HEAD' });
    await head.ended;
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(await clients()).toBe(5);

    // Closing one frees a place (the server notices the close asynchronously).
    first[0]?.close();
    const deadline = Date.now() + 10_000;
    let again = await stream('127.0.0.3');
    while (again.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      again = await stream('127.0.0.3');
    }
    expect(again.status).toBe(200);
    expect(await clients()).toBe(5);
  });
});

describe('stream cap configuration', () => {
  test('defaults 20 per address and 10 000 in all; a bad value is a clear start error', () => {
    const config = loadConfig({});
    expect(config.streamsPerClient).toBe(20);
    expect(config.streamsMax).toBe(10_000);
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => loadConfig({ KAIROS_STREAMS_PER_CLIENT: 'lots' })).toThrow(ConfigError);
    expect(() => loadConfig({ KAIROS_STREAMS_MAX: '0' })).toThrow(/KAIROS_STREAMS_MAX=0: use a whole number/);
  });
});
