// @dialects sqlite postgres
/**
 * A trigger repaired by `kairos doctor --fix` (another process) reaches the running server's
 * scheduler without a restart: the server hears the database change and re-arms. Runs on both
 * dialects (on PostgreSQL the repair also re-creates the trigger's job in its transaction).
 */
import { afterAll, expect, test } from 'vitest';
import { rawSql } from './support/raw-sql.ts';
import { iso, runCli, startServer, stopAll } from './support/server.ts';
import { openStream } from './support/sse.ts';

afterAll(stopAll);

test('a trigger that doctor --fix restores fires on time in the running server', async () => {
  const server = await startServer();
  const token = server.adminToken;
  // Room for two CLI runs before the boundary: each is a Node start of the test bundle, 0.4–0.7 s
  // of CPU (doctor on this file's database, nice 19); 6 s leaves several times that on a loaded
  // machine. (10 s, sized for runs through tsx, left this test idle for 8 s.)
  const startsAt = Date.now() + 6000;
  const created = await server.api('POST', '/events', {
    token,
    json: { title: 'repaired', startsAt: iso(startsAt), endsAt: iso(startsAt + 3_600_000) },
  });
  expect(created.status).toBe(201);
  const id = created.json.id as string;

  // Behind the server's back, lose the start trigger.
  expect(await rawSql(server.dbPath, "delete from triggers where event_id = ? and trigger = 'event_start'", id)).toBe(1);
  // Any write makes the scheduler re-read the table: it now sleeps until the end, an hour away.
  const other = await server.api('POST', '/events', {
    token,
    json: { title: 'unrelated', startsAt: iso(startsAt + 7_200_000), endsAt: iso(startsAt + 9_000_000) },
  });
  expect(other.status).toBe(201);
  const broken = await runCli(['doctor', '--json'], { KAIROS_DB: server.dbPath });
  expect(broken.code).toBe(1);
  expect(JSON.parse(broken.stdout).problems).toEqual([
    expect.objectContaining({ kind: 'missing_trigger', eventId: id, trigger: 'event_start' }),
  ]);

  const fixed = await runCli(['doctor', '--fix', '--json'], { KAIROS_DB: server.dbPath });
  expect(fixed.code).toBe(0);
  expect(Date.now()).toBeLessThan(startsAt); // the repair came before the boundary

  await new Promise((r) => setTimeout(r, Math.max(0, startsAt - Date.now()) + 2000));
  const after = await server.api('GET', `/events/${id}`);
  expect(after.json).toMatchObject({ status: 'ongoing', phase: 'in_progress' });
  const history = await server.api('GET', `/events/${id}/history`, { token });
  const fired = history.json.items.filter((h: { cause: string }) => h.cause === 'schedule');
  expect(fired).toEqual([expect.objectContaining({ trigger: 'event_start', dueAt: iso(startsAt) })]);
  expect(Date.parse(fired[0].at)).toBeGreaterThanOrEqual(startsAt);
});

test('entries that doctor --fix writes reach open streams, in seq order with the server’s own', async () => {
  const server = await startServer();
  const token = server.adminToken;
  const startsAt = Date.now() + 3_600_000;
  const created = await server.api('POST', '/events', {
    token,
    json: { title: 'drifted', startsAt: iso(startsAt), endsAt: iso(startsAt + 3_600_000) },
  });
  const id = created.json.id as string;
  const stream = openStream(server.url, { token });
  await stream.opened;

  // Behind the server's back, the stored status drifts from the dates.
  await rawSql(server.dbPath, "update events set status = 'ongoing', phase = 'in_progress' where id = ?", id);
  const fixed = await runCli(['doctor', '--fix', '--json'], { KAIROS_DB: server.dbPath });
  expect(JSON.parse(fixed.stdout).problems).toEqual([expect.objectContaining({ kind: 'status_drift', eventId: id })]);

  const repaired = await stream.waitFor((ms) => ms.find((m) => m.type === 'transition' && m.data.eventId === id), 5000);
  expect(repaired.data).toMatchObject({
    cause: 'recovery',
    from: { phase: 'in_progress' },
    to: { status: 'upcoming', phase: 'scheduled' },
  });
  const history = await server.api('GET', `/events/${id}/history`, { token });
  expect(Number(repaired.id)).toBe(history.json.items.at(-1).seq);

  // The server's next write comes after it, with a higher id: nothing skipped, nothing twice.
  await server.api('PATCH', `/events/${id}`, { token, json: { title: 'drifted, then renamed' } });
  const renamed = await stream.waitFor((ms) => ms.find((m) => m.type === 'event.updated' && m.data.eventId === id), 5000);
  expect(Number(renamed.id)).toBeGreaterThan(Number(repaired.id));
  const ids = stream.messages.filter((m) => m.id).map((m) => Number(m.id));
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  stream.close();
});
