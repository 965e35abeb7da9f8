/**
 * Group commit (SQLite): writes that arrive together share one transaction and one fsync, each in
 * its own savepoint. Proven in-process on a real SQLite file (one failing write in a group fails
 * alone; reads answer beside an open write), and on a real server killed with kill -9 in the
 * middle of concurrent writes (no acknowledged write lost, none half-written).
 */
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, test } from 'vitest';
import { migrate } from '../src/db/migrate.ts';
import { openSqlite } from '../src/db/sqlite.ts';
import { iso, runCli, startServer, stopAll, tempDir } from './support/server.ts';

afterAll(stopAll);

const setting = (key: string) => ({ key, value: `value of ${key}` });

test('one failing write in a group rolls back only its own work; the others commit in one transaction', async () => {
  const store = openSqlite(path.join(tempDir(), 'group.sqlite'));
  await migrate(store);
  const heard: string[] = [];
  store.onCommit((effects) => heard.push(String(effects.registrations.length)));
  const before = store.stats();

  // Issued in one tick: they form one group.
  const results = await Promise.allSettled(
    Array.from({ length: 10 }, (_, i) =>
      store.write(async (tx) => {
        await tx.db
          .insertInto('settings')
          .values(setting(`k${i}`))
          .execute();
        if (i % 3 === 1) throw new Error(`write ${i} fails after writing`);
        return i;
      }),
    ),
  );

  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
  expect(failed).toEqual([1, 4, 7]);
  expect(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))).toEqual([0, 2, 3, 5, 6, 8, 9]);
  const keys = (await store.db.selectFrom('settings').select('key').where('key', 'like', 'k%').orderBy('key').execute()).map(
    (r) => r.key,
  );
  expect(keys).toEqual(['k0', 'k2', 'k3', 'k5', 'k6', 'k8', 'k9']);
  // Seven writes committed, in one transaction; listeners heard each of them once.
  expect(store.stats().writes - before.writes).toBe(7);
  expect(store.stats().transactions - before.transactions).toBe(1);
  expect(heard).toHaveLength(7);
  await store.close();
});

test('a read answers from the last commit while a write transaction is open', async () => {
  const store = openSqlite(path.join(tempDir(), 'reads.sqlite'));
  await migrate(store);
  await store.write((tx) => tx.db.insertInto('settings').values(setting('before')).execute());
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  let inside: () => void = () => {};
  const entered = new Promise<void>((r) => {
    inside = r;
  });
  const writing = store.write(async (tx) => {
    await tx.db.insertInto('settings').values(setting('during')).execute();
    inside();
    await held; // the transaction stays open until the read below has answered
  });
  await entered;
  const seen = await store.db.selectFrom('settings').select('key').where('key', 'in', ['before', 'during']).execute();
  expect(seen.map((r) => r.key)).toEqual(['before']);
  release();
  await writing;
  const after = await sql<{ n: number }>`select count(*) as n from settings where key in ('before', 'during')`.execute(store.db);
  expect(after.rows[0]?.n).toBe(2);
  await store.close();
});

test('kill -9 during concurrent writes loses no acknowledged write and leaves no partial one', async () => {
  const server = await startServer();
  const token = server.adminToken;
  const start = Date.now() + 30 * 86_400_000;
  const acknowledged: string[] = [];
  let stop = false;
  let sent = 0;
  const writer = async () => {
    while (!stop) {
      const i = sent++;
      const r = await server
        .api('POST', '/events', {
          token,
          json: {
            title: `Concurrent ${i}`,
            registrationOpensAt: iso(start - 86_400_000),
            registrationClosesAt: iso(start - 3_600_000),
            startsAt: iso(start + i * 1000),
            endsAt: iso(start + i * 1000 + 3_600_000),
          },
        })
        .catch(() => null); // the connection dies with the server
      if (r?.status === 201) acknowledged.push(r.json.id);
      else if (r) throw new Error(`unexpected ${r.status}: ${r.text}`);
    }
  };
  const writers = Array.from({ length: 12 }, writer);
  // Kill once a good number of writes were acknowledged, with the others in flight.
  while (acknowledged.length < 150) await new Promise((r) => setTimeout(r, 5));
  await server.kill9();
  stop = true;
  await Promise.all(writers);

  await server.start();
  const stored = new Map<string, { title: string }>();
  for (let cursor: string | null = null; ; ) {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await server.api('GET', `/events?limit=200${q}`, { token });
    for (const e of page.json.items) stored.set(e.id, e);
    cursor = page.json.nextCursor;
    if (!cursor) break;
  }
  for (const id of acknowledged) expect(stored.has(id), `acknowledged ${id} lost`).toBe(true);
  // Whole or absent: every stored event has its create entry and its two triggers (doctor checks them).
  for (const id of stored.keys()) {
    const h = await server.api('GET', `/events/${id}/history`, { token });
    expect(h.json.items.map((e: { cause: string }) => e.cause)).toEqual(['create']);
  }
  const doctor = await runCli(['doctor', '--json'], { KAIROS_DB: server.dbPath });
  expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
  expect(JSON.parse(doctor.stdout)).toMatchObject({ ok: true, checkedEvents: stored.size });
}, 180_000);
