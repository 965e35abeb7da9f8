/**
 * Account endpoints under concurrency: the login limit holds when wrong passwords arrive all at
 * once, and two creations of one email give one 201 and 400s — never a 5xx.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ADMIN, startServer, stopAll, type TestServer } from './support/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(stopAll);

test('30 wrong passwords sent at once: at most 10 are checked, the rest get 429 with Retry-After', async () => {
  const attempts = await Promise.all(
    Array.from({ length: 30 }, () =>
      server.api('POST', '/auth/login', { json: { email: ADMIN.email, password: 'wrong-password-123' } }),
    ),
  );
  const counts: Record<number, number> = {};
  for (const r of attempts) counts[r.status] = (counts[r.status] ?? 0) + 1;
  expect(counts).toEqual({ 401: 10, 429: 20 });
  const limited = attempts.find((r) => r.status === 429);
  expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(limited?.json.error.code).toBe('rate_limited');
});

test('the same email created four times at once: one 201, three 400 naming email', async () => {
  const body = { email: 'twice@example.test', name: 'Twice', role: 'organizer', password: 'organizer-pass-123' };
  const results = await Promise.all(
    Array.from({ length: 4 }, () => server.api('POST', '/users', { token: server.adminToken, json: body })),
  );
  expect(results.map((r) => r.status).sort()).toEqual([201, 400, 400, 400]);
  for (const r of results.filter((x) => x.status === 400)) {
    expect(r.json.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'email', message: 'is already taken' }] });
  }
  const users = await server.api('GET', '/users', { token: server.adminToken });
  expect(users.json.items.filter((u: { email: string }) => u.email === body.email)).toHaveLength(1);
});
