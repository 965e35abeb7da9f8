/**
 * SPEC §7: a stream opened with a session never outlives it. Logout ends that session's streams
 * (and only those) with a retry hint, before any later hidden entry could reach them; expiry
 * ends them at `expiresAt`; a role change ends the user's streams; a session ended by another
 * process is noticed at the next heartbeat (15 s).
 *
 * Logout runs against a real `kairos serve`. Expiry and the role change run in-process
 * (buildKairos on a real SQLite file and a real port): sessions last at least an hour, so the
 * clock is the one thing faked — shifted to just before the session's end.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildKairos, type Kairos } from '../src/app.ts';
import { systemClock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import { openRaw, type RawStream } from './support/raw-stream.ts';
import { ADMIN, iso, startServer, stopAll, type TestServer, tempDir } from './support/server.ts';

const hello = (s: RawStream) => s.waitFor((f) => f.some((m) => m.type === 'hello'), 10_000);
const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))]);
const streams: RawStream[] = [];
const track = async (p: Promise<RawStream>) => {
  const s = await p;
  streams.push(s);
  await hello(s);
  return s;
};
const DAY = 86_400_000;
const draftBody = (title: string) => ({
  title,
  draft: true,
  registrationOpensAt: iso(Date.now() + DAY),
  registrationClosesAt: iso(Date.now() + 2 * DAY),
  startsAt: iso(Date.now() + 3 * DAY),
  endsAt: iso(Date.now() + 4 * DAY),
});

afterAll(async () => {
  for (const s of streams) s.close();
  await stopAll();
});

describe('logout', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });

  test("ends that session's streams with a retry hint; they get no later draft; other sessions keep theirs", async () => {
    const token = await server.login(ADMIN.email, ADMIN.password);
    const doomed = await track(openRaw(server.url, { token }));
    const other = await track(openRaw(server.url, { token: server.adminToken }));

    expect((await server.api('POST', '/auth/logout', { token })).status).toBe(204);
    // Ended by the logout itself, not by a later heartbeat check (15 s).
    await within(doomed.ended, 5000, 'the logged-out stream ending');
    expect(doomed.text).toMatch(/retry: \d+\n\n$/);

    const draft = await server.api('POST', '/events', { token: server.adminToken, json: draftBody('Hidden draft') });
    expect(draft.status, draft.text).toBe(201);
    await other.waitFor((f) => f.some((m) => m.type === 'event.created' && m.data.eventId === draft.json.id), 5000);
    expect(other.isEnded()).toBe(false);
    expect(doomed.text).not.toContain(draft.json.id);
    expect(doomed.text).not.toContain('Hidden draft');
  });
});

describe('expiry and role change (in-process, shifted clock)', () => {
  let kairos: Kairos;
  let url: string;
  let offset = 0;
  const ORGANIZER = { email: 'organizer@example.test', password: 'organizer-password-1' };

  beforeAll(async () => {
    const config = loadConfig({
      KAIROS_DB: path.join(tempDir(), 'kairos.sqlite'),
      KAIROS_ADMIN_EMAIL: ADMIN.email,
      KAIROS_ADMIN_PASSWORD: ADMIN.password,
      KAIROS_SESSION_TTL_HOURS: '1',
      LOG_LEVEL: 'silent',
    });
    kairos = await buildKairos(config, { clock: { ...systemClock, now: () => Date.now() + offset } });
    await kairos.start();
    url = await kairos.app.listen({ port: 0, host: '127.0.0.1' });
    await kairos.auth.createUser({ ...ORGANIZER, role: 'organizer' });
  });

  afterAll(async () => {
    for (const s of streams) s.close();
    await kairos?.app.close();
  });

  test('a stream ends when its session expires, not before; a public stream stays', async () => {
    offset = 0;
    const { token, expiresAt } = await kairos.auth.login(ADMIN.email, ADMIN.password, '127.0.0.1');
    const pub = await track(openRaw(url));
    // Margin for a loaded machine: the request must still be authenticated when it is handled.
    offset = 3_600_000 - 8000;
    const s = await track(openRaw(url, { token }));
    expect(s.isEnded()).toBe(false);
    await within(s.ended, 20_000, 'the expiring stream ending');
    // Never before the session's end (the server clock is the shifted one).
    expect(Date.now() + offset).toBeGreaterThanOrEqual(expiresAt);
    expect(s.text).toMatch(/retry: \d+\n\n$/);
    expect(pub.isEnded()).toBe(false);
    // The session itself is over too: the same token is refused.
    const again = await openRaw(url, { token });
    streams.push(again);
    expect(again.status).toBe(401);
  });

  test("a role change ends the user's streams", async () => {
    offset = 0;
    const { token } = await kairos.auth.login(ORGANIZER.email, ORGANIZER.password, '127.0.0.1');
    const s = await track(openRaw(url, { token }));
    const admin = await track(openRaw(url, { token: (await kairos.auth.login(ADMIN.email, ADMIN.password, '127.0.0.1')).token }));
    // The one role-changing path today: ensuring the configured admin promotes an existing account.
    await kairos.auth.ensureAdmin(ORGANIZER.email, ORGANIZER.password);
    await within(s.ended, 5000, 'the stream of the promoted user ending');
    expect(admin.isEnded()).toBe(false);
  });

  test('a session ended by another process (its row gone) ends the stream at the next heartbeat check', async () => {
    offset = 0;
    const { token } = await kairos.auth.login(ADMIN.email, ADMIN.password, '127.0.0.1');
    const session = await kairos.auth.session(token);
    const s = await track(openRaw(url, { token }));
    const pub = await track(openRaw(url));
    // What a logout through another cluster instance leaves behind: no row, and no in-process event.
    await kairos.store.db
      .deleteFrom('sessions')
      .where('tokenHash', '=', session?.id ?? '')
      .execute();
    await within(s.ended, 25_000, 'the stream of the vanished session ending (heartbeat every 15 s)');
    expect(s.text).toMatch(/retry: \d+\n\n$/);
    expect(pub.isEnded()).toBe(false);
  }, 60_000);
});
