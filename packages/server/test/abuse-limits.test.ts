/**
 * Abuse limits (SPEC §6, §9, §11): failed logins per address across emails, public registrations
 * per address, and the client address taken from X-Forwarded-For only when KAIROS_TRUST_PROXY
 * trusts the proxy. A refused attempt changes nothing.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { SlidingWindow } from '../src/limits/sliding-window.ts';
import { iso, startServer, stopAll, type TestServer } from './support/server.ts';

afterAll(stopAll);

const hour = 3_600_000;

async function openEvent(server: TestServer, capacity: number | null = null): Promise<string> {
  const now = Date.now();
  const r = await server.api('POST', '/events', {
    token: server.adminToken,
    json: {
      title: 'Popular talk',
      capacity,
      registrationOpensAt: iso(now - hour),
      registrationClosesAt: iso(now + hour),
      startsAt: iso(now + 2 * hour),
      endsAt: iso(now + 3 * hour),
    },
  });
  expect(r.status, r.text).toBe(201);
  return r.json.id;
}

const register = (server: TestServer, eventId: string, n: number, headers: Record<string, string> = {}) =>
  server.api('POST', `/events/${eventId}/registrations`, { json: { name: `Person ${n}`, email: `p${n}@example.test` }, headers });

describe('a sliding window', () => {
  test('a flood of fresh keys never frees a locked key', () => {
    const w = new SlidingWindow(3, 60_000, 100);
    for (let i = 0; i < 3; i++) w.hit('victim-lock', 1000 + i);
    expect(w.retryAfter('victim-lock', 2000)).toBeGreaterThan(0);
    for (let i = 0; i < 10_000; i++) w.hit(`junk-${i}`, 2000);
    expect(w.retryAfter('victim-lock', 2000)).toBeGreaterThan(0);
    // …until its window has passed.
    expect(w.retryAfter('victim-lock', 1000 + 60_001 + 2)).toBe(0);
  });

  test('a forgiven attempt no longer counts', () => {
    const w = new SlidingWindow(2, 60_000);
    w.hit('k', 1);
    w.hit('k', 2);
    expect(w.retryAfter('k', 3)).toBeGreaterThan(0);
    w.forgive('k', 2);
    expect(w.retryAfter('k', 3)).toBe(0);
  });
});

test('bad limit settings stop the start with a message saying how to fix them', () => {
  expect(() => loadConfig({ KAIROS_REGISTRATION_RATE: 'lots' })).toThrow(/COUNT\/WINDOW like 60\/10m/);
  expect(() => loadConfig({ KAIROS_REGISTRATION_RATE: '0/10m' })).toThrow(/KAIROS_REGISTRATION_RATE/);
  expect(() => loadConfig({ KAIROS_TRUST_PROXY: 'the proxy' })).toThrow(/not an address or CIDR/);
  expect(loadConfig({}).registrationRate).toEqual({ max: 60, windowMs: 600_000 });
  expect(loadConfig({}).trustProxy).toBe(false);
  expect(loadConfig({ KAIROS_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy).toBe('127.0.0.1,10.0.0.0/8');
  expect(loadConfig({ KAIROS_TRUST_PROXY: '2' }).trustProxy).toBe(2);
});

test('one address cannot spray guesses over many accounts: 20 failures across emails, then 429 for every email', async () => {
  const server = await startServer();
  for (let i = 0; i < 20; i++) {
    const r = await server.api('POST', '/auth/login', {
      json: { email: `guess${i}@example.test`, password: 'wrong-password-123' },
    });
    expect(r.status, r.text).toBe(401);
  }
  const blocked = await server.api('POST', '/auth/login', {
    json: { email: 'fresh@example.test', password: 'wrong-password-123' },
  });
  expect(blocked.status).toBe(429);
  expect(blocked.json.error.code).toBe('rate_limited');
  expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  // Even the right password of a real account waits: the address is locked, not the account.
  const admin = await server.api('POST', '/auth/login', {
    json: { email: 'admin@example.test', password: 'admin-password-for-tests' },
  });
  expect(admin.status).toBe(429);
}, 120_000); // 22 full scrypt checks

test('public registrations per address: the limit refuses with 429 and takes no place; failures do not count', async () => {
  const server = await startServer({ KAIROS_REGISTRATION_RATE: '5/10m' });
  const eventId = await openEvent(server, 100);
  for (let i = 0; i < 5; i++) expect((await register(server, eventId, i)).status).toBe(201);
  const refused = await register(server, eventId, 99);
  expect(refused.status).toBe(429);
  expect(refused.json.error.code).toBe('rate_limited');
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(500);
  const event = await server.api('GET', `/events/${eventId}`);
  expect(event.json.registered).toBe(5);

  // A failed attempt is not a registration: on a fresh server, refusals leave room for 5 real ones…
  const other = await startServer({ KAIROS_REGISTRATION_RATE: '5/10m' });
  const second = await openEvent(other, 100);
  for (let i = 0; i < 6; i++) expect((await register(other, 'ev_missing', i)).status).toBe(404);
  expect((await register(other, second, 1)).status).toBe(201);
  // …except "already registered", which would otherwise let anyone test emails for free.
  for (let i = 0; i < 2; i++) expect((await register(other, second, 1)).status).toBe(409);
  for (let i = 2; i <= 3; i++) expect((await register(other, second, i)).status).toBe(201);
  expect((await register(other, second, 4)).status).toBe(429);
});

test('X-Forwarded-For is believed only from a trusted proxy', async () => {
  // Untrusted: a spoofed header does not make a new client; the connection's address is limited.
  const direct = await startServer({ KAIROS_REGISTRATION_RATE: '2/10m' });
  const a = await openEvent(direct);
  for (let i = 0; i < 2; i++) expect((await register(direct, a, i, { 'x-forwarded-for': `203.0.113.${i}` })).status).toBe(201);
  expect((await register(direct, a, 7, { 'x-forwarded-for': '203.0.113.77' })).status).toBe(429);

  // Trusted (the loopback proxy): each forwarded client has a limit of its own.
  const proxied = await startServer({ KAIROS_REGISTRATION_RATE: '2/10m', KAIROS_TRUST_PROXY: '127.0.0.1' });
  const b = await openEvent(proxied);
  for (let i = 0; i < 2; i++) expect((await register(proxied, b, i, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(201);
  expect((await register(proxied, b, 2, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(429);
  expect((await register(proxied, b, 3, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(201);
});
