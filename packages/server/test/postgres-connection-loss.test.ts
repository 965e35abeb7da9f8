// @dialects postgres
/**
 * Found by the crash torture (issue 10): when PostgreSQL drops its connections (a restart, a
 * crash, an administrator's pg_terminate_backend) while a request holds a pooled connection,
 * node-postgres emits `error` on that client; a checked-out client had no listener, so the whole
 * `kairos serve` process died of an unhandled error event. The request in flight may fail; the
 * process must live on, answer the next requests, and lose no acknowledged write.
 */
import { afterAll, expect, test } from 'vitest';
import { rawSql } from './support/raw-sql.ts';
import { iso, startServer, stopAll } from './support/server.ts';
import { sleep } from './support/timeline.ts';

afterAll(stopAll);

test('connections cut by PostgreSQL mid-request do not kill the server', async () => {
  const server = await startServer();
  const token = server.adminToken;
  const startsAt = Date.now() + 3_600_000;
  const body = (i: number) => ({ title: `cut ${i}`, startsAt: iso(startsAt), endsAt: iso(startsAt + 60_000) });
  const acknowledged: string[] = [];
  let stop = false;
  // Writers keep connections checked out (a transaction each) while the backends are terminated.
  const writers = Array.from({ length: 6 }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      const r = await server.api('POST', '/events', { token, json: body(w * 10_000 + i) }).catch(() => null);
      if (r?.status === 201) acknowledged.push(r.json.id);
    }
  });
  for (let round = 0; round < 8; round++) {
    await sleep(150);
    await rawSql(
      server.dbPath,
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
  }
  stop = true;
  await Promise.all(writers);

  expect(server.child?.exitCode ?? null, server.output.slice(-2000)).toBeNull();
  expect((await server.request('GET', '/healthz')).status).toBe(200);
  const after = await server.api('POST', '/events', { token, json: body(-1) });
  expect(after.status, after.text).toBe(201);
  expect(acknowledged.length).toBeGreaterThan(0);
  for (const id of acknowledged) expect((await server.api('GET', `/events/${id}`, { token })).status).toBe(200);
});
