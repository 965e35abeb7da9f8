// @dialects sqlite postgres
/**
 * Expired sessions are deleted (issue 10 "Smaller"): at start by a real `kairos serve`, and every
 * hour on the server's Clock (a fake one here, so hours pass in a millisecond). A live session is
 * never touched.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { migrate } from '../src/db/migrate.ts';
import { openSqlite } from '../src/db/sqlite.ts';
import { SESSION_PURGE_EVERY_MS, startSessionPurge } from '../src/features/auth/session-purge.ts';
import { FakeClock } from './support/fake-clock.ts';
import { rawSql } from './support/raw-sql.ts';
import { DIALECT, startServer, stopAll, tempDir } from './support/server.ts';

afterAll(stopAll);

const HOUR = 3_600_000;
const hashOf = (s: string) => createHash('sha256').update(s).digest('base64url');

async function countSessions(database: string, tokenHash: string): Promise<number> {
  // rawSql answers rows changed: an update that changes nothing tells whether the row exists.
  return rawSql(database, 'update sessions set expires_at = expires_at where token_hash = ?', tokenHash);
}

describe('expired sessions', () => {
  test('a real server deletes expired sessions when it starts; live ones stay and still work', async () => {
    const server = await startServer();
    const userId = (await server.api('GET', '/auth/me', { token: server.adminToken })).json.user.id;
    expect(typeof userId).toBe('string');
    const expired = hashOf('expired-session');
    const now = Date.now();
    await rawSql(
      server.dbPath,
      'insert into sessions (token_hash, user_id, created_at, expires_at) values (?, ?, ?, ?)',
      expired,
      userId,
      now - 13 * HOUR,
      now - HOUR,
    );
    expect(await countSessions(server.dbPath, expired)).toBe(1);
    await server.restart();
    expect(await countSessions(server.dbPath, expired)).toBe(0);
    expect((await server.api('GET', '/auth/me', { token: server.adminToken })).status).toBe(200);
  });

  test.runIf(DIALECT === 'sqlite')('every hour on the Clock, each session goes once it has expired, not before', async () => {
    const store = openSqlite(path.join(tempDir('kairos-purge-'), 'kairos.sqlite'));
    await migrate(store);
    const T0 = Date.parse('2026-11-30T09:00:00.000Z');
    const clock = new FakeClock(T0);
    const db = store.db;
    await db
      .insertInto('users')
      .values({ id: 'usr_1', email: 'a@b.c', name: 'A', role: 'admin', passwordHash: 'x', createdAt: T0 } as never)
      .execute();
    const sessions = [
      { tokenHash: 'gone-at-start', expiresAt: T0 },
      { tokenHash: 'gone-in-an-hour', expiresAt: T0 + HOUR - 1 },
      { tokenHash: 'gone-in-three-hours', expiresAt: T0 + 2 * HOUR + 1 },
    ];
    for (const s of sessions)
      await db
        .insertInto('sessions')
        .values({ ...s, userId: 'usr_1', createdAt: T0 - HOUR })
        .execute();
    const left = async () =>
      (await db.selectFrom('sessions').select('tokenHash').orderBy('expiresAt').execute()).map((r) => r.tokenHash);
    const errors: unknown[] = [];
    const purged: number[] = [];
    const stop = startSessionPurge({ store, clock, onError: (e) => errors.push(e), onPurged: (n) => purged.push(n) });
    try {
      await expect.poll(() => purged.length).toBe(1);
      expect(await left()).toEqual(['gone-in-an-hour', 'gone-in-three-hours']);
      await clock.advance(SESSION_PURGE_EVERY_MS - 2);
      expect(await left()).toEqual(['gone-in-an-hour', 'gone-in-three-hours']);
      await clock.advance(2);
      await expect.poll(left).toEqual(['gone-in-three-hours']);
      await clock.advance(SESSION_PURGE_EVERY_MS);
      await expect.poll(() => purged.length).toBe(3);
      expect(await left()).toEqual(['gone-in-three-hours']);
      await clock.advance(SESSION_PURGE_EVERY_MS);
      await expect.poll(left).toEqual([]);
      expect(purged).toEqual([1, 1, 0, 1]);
      expect(errors).toEqual([]);
    } finally {
      await stop();
      await store.close();
    }
  });
});
