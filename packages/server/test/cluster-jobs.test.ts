// @dialects postgres
/**
 * Cluster mode's job queue (scheduler/cluster/trigger-jobs.ts): graphile-worker holds a job for
 * every trigger due within the horizon (10 minutes), written in the transaction that writes the
 * trigger row, and none for triggers further out — a write of an event next month costs no job
 * and wakes no worker. The horizon sweep, a graphile-worker cron task, gives rows their job as
 * they come near. What the queue holds is read from graphile-worker's own `jobs` view.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createEvent, ok } from './support/fixtures.ts';
import { rawRows, rawSql } from './support/raw-sql.ts';
import { freshDatabase, stopAll, TestServer } from './support/server.ts';
import { type Dates, datesBody, until } from './support/timeline.ts';

afterAll(stopAll);

const MIN = 60_000;
let database: string;
let server: TestServer;

beforeAll(async () => {
  database = await freshDatabase();
  server = await new TestServer(database, {}).start();
});

/** The fire jobs of an event: trigger → run_at (ms). */
async function jobsOf(eventId: string): Promise<Record<string, number>> {
  const rows = await rawRows<{ key: string; run_at: Date }>(
    database,
    `select key, run_at from graphile_worker.jobs where task_identifier = 'kairos_fire' and key like ?`,
    `${eventId}:%`,
  );
  return Object.fromEntries(rows.map((r) => [r.key.slice(eventId.length + 1), r.run_at.getTime()]));
}

const patch = (id: string, dates: Dates) =>
  ok(server.api('PATCH', `/events/${id}`, { token: server.adminToken, json: datesBody(dates) }), 200);

test('a job for each trigger due within the horizon, none beyond it; moves and deletes keep them in step', async () => {
  const now = Date.now();
  const near = await createEvent(server, { title: 'Soon', ...datesBody({ startsAt: now + 5 * MIN, endsAt: now + 7 * MIN }) });
  const far = await createEvent(server, {
    title: 'Next month',
    ...datesBody({ startsAt: now + 30 * 1440 * MIN, endsAt: now + 30 * 1440 * MIN + 60 * MIN }),
  });
  const straddles = await createEvent(server, {
    title: 'Starts soon, ends late',
    ...datesBody({ startsAt: now + 8 * MIN, endsAt: now + 3 * 60 * MIN }),
  });

  expect(await jobsOf(near.id)).toEqual({ event_start: now + 5 * MIN, event_end: now + 7 * MIN });
  expect(await jobsOf(far.id)).toEqual({});
  expect(await jobsOf(straddles.id)).toEqual({ event_start: now + 8 * MIN });

  // Near → far drops the jobs; far → near makes them, in the edit's own transaction.
  await patch(near.id, { startsAt: now + 2 * 60 * MIN, endsAt: now + 3 * 60 * MIN });
  expect(await jobsOf(near.id)).toEqual({});
  await patch(far.id, { startsAt: now + 4 * MIN, endsAt: now + 6 * MIN });
  expect(await jobsOf(far.id)).toEqual({ event_start: now + 4 * MIN, event_end: now + 6 * MIN });
  // A move within the horizon re-times the job it has.
  await patch(far.id, { startsAt: now + 3 * MIN, endsAt: now + 6 * MIN });
  expect(await jobsOf(far.id)).toEqual({ event_start: now + 3 * MIN, event_end: now + 6 * MIN });

  await ok(server.api('DELETE', `/events/${far.id}`, { token: server.adminToken }), 204);
  expect(await jobsOf(far.id)).toEqual({});
  // The triggers table is what fires: every trigger is still there, jobs or not.
  const triggers = await rawRows<{ event_id: string }>(
    database,
    'select event_id from triggers where event_id in (?, ?)',
    near.id,
    straddles.id,
  );
  expect(triggers).toHaveLength(4);
});

test('the horizon sweep gives a job to every trigger due within the horizon that has none', async () => {
  const now = Date.now();
  const soon = await createEvent(server, {
    title: 'Lost its jobs',
    ...datesBody({ startsAt: now + 6 * MIN, endsAt: now + 9 * MIN }),
  });
  const later = await createEvent(server, {
    title: 'Still far',
    ...datesBody({ startsAt: now + 40 * MIN, endsAt: now + 50 * MIN }),
  });
  // As if written by a version that made no jobs (or a hand edit of the queue).
  expect(
    await rawSql(database, `select graphile_worker.remove_job(key) from graphile_worker.jobs where key like ?`, `${soon.id}:%`),
  ).toBe(2);
  expect(await jobsOf(soon.id)).toEqual({});
  // Run the cron task now instead of at the next minute: the worker picks it up at once.
  await rawSql(database, `select graphile_worker.add_job('kairos_horizon')`);
  const restored = await until(async () => {
    const jobs = await jobsOf(soon.id);
    return Object.keys(jobs).length === 2 && jobs;
  }, 10_000);
  expect(restored).toEqual({ event_start: now + 6 * MIN, event_end: now + 9 * MIN });
  expect(await jobsOf(later.id)).toEqual({});
  // The cron item is registered with graphile-worker, so it runs once a minute cluster-wide.
  const crontabs = await rawRows<{ identifier: string }>(
    database,
    'select identifier from graphile_worker._private_known_crontabs',
  );
  expect(crontabs.map((c) => c.identifier)).toContain('kairos_horizon');
});

test('an edit that waited for the event behind another write syncs from the triggers that write left', async () => {
  const now = Date.now();
  const first = { startsAt: now + 5 * MIN, endsAt: now + 7 * MIN };
  const moved = { startsAt: now + 8 * MIN, endsAt: now + 9 * MIN };
  const { id } = await createEvent(server, { title: 'Behind a lock', ...datesBody(first) });
  const { default: pg } = await import('pg');
  const other = new pg.Client({ connectionString: database });
  await other.connect();
  try {
    // Another writer (another instance, say) holds the event and moves it, triggers and all.
    const otherPid = (await other.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
    await other.query('begin');
    await other.query('select 1 from events where id = $1 for update', [id]);
    await other.query('update events set starts_at = $2, ends_at = $3, version = version + 1 where id = $1', [
      id,
      moved.startsAt,
      moved.endsAt,
    ]);
    await other.query(
      `update triggers set due_at = case trigger when 'event_start' then $2::bigint else $3::bigint end where event_id = $1`,
      [id, moved.startsAt, moved.endsAt],
    );
    // This edit moves it back to where it was before, and waits for the row.
    const back = patch(id, first);
    await until(
      async () =>
        (
          await rawRows(
            database,
            `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> ${otherPid}`,
          )
        ).length > 0,
      10_000,
      'the edit waiting for the row',
    );
    await other.query('commit');
    await back;
  } finally {
    await other.end();
  }
  // Had it read the triggers from before the wait, it would have found them already in place.
  const rows = await rawRows<{ trigger: string; due_at: string }>(
    database,
    'select trigger, due_at from triggers where event_id = ?',
    id,
  );
  expect(Object.fromEntries(rows.map((r) => [r.trigger, Number(r.due_at)]))).toEqual({
    event_start: first.startsAt,
    event_end: first.endsAt,
  });
  expect(await jobsOf(id)).toEqual({ event_start: first.startsAt, event_end: first.endsAt });
});

/**
 * A write's BEGIN message runs several statements; when one fails part-way (here the event's row
 * lock, given up after `lock_timeout`), the transaction it opened is rolled back before the
 * connection goes back to the pool. Left open and aborted, it failed every later write sent on it.
 */
test('a write whose BEGIN message fails part-way rolls back, and its connection serves the next writes', async () => {
  const impatient = await new TestServer(database, { PGOPTIONS: '-c lock_timeout=300' }).start();
  try {
    const now = Date.now();
    const { id } = await createEvent(impatient, {
      title: 'Locked',
      ...datesBody({ startsAt: now + 20 * MIN, endsAt: now + 21 * MIN }),
    });
    const { default: pg } = await import('pg');
    const other = new pg.Client({ connectionString: database });
    await other.connect();
    try {
      await other.query('begin');
      await other.query('select 1 from events where id = $1 for update', [id]);
      const refused = await impatient.api('PATCH', `/events/${id}`, { token: impatient.adminToken, json: { venue: 'Late' } });
      expect(refused.status).toBe(500);
      await other.query('rollback');
    } finally {
      await other.end();
    }
    const aborted = await rawRows(
      database,
      `select 1 from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`,
    );
    expect(aborted).toEqual([]);
    for (const venue of ['Hall 1', 'Hall 2', 'Hall 3']) {
      await ok(impatient.api('PATCH', `/events/${id}`, { token: impatient.adminToken, json: { venue } }), 200);
    }
    expect((await ok(impatient.api('GET', `/events/${id}`), 200)).json.venue).toBe('Hall 3');
  } finally {
    await impatient.stop();
  }
});

/**
 * A write's BEGIN and COMMIT messages run prepared statements, prepared by SQL on each connection
 * the first time it sends them (db/prepared.ts `message`). Writes that fail after their BEGIN
 * (a stale version: 409) roll back on connections that prepared in that very message; the writes
 * after them, on the same connections, still answer and write.
 */
test('edits still answer after others rolled back on the connections they prepared their statements on', async () => {
  const now = Date.now();
  const events = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      createEvent(server, { title: `Prepared ${i}`, ...datesBody({ startsAt: now + 40 * MIN, endsAt: now + 50 * MIN }) }),
    ),
  );
  const edit = (id: string, version: number, startsAt: number) =>
    server.api('PATCH', `/events/${id}`, {
      token: server.adminToken,
      json: { ...datesBody({ startsAt, endsAt: startsAt + 10 * MIN }), version },
    });
  // Stale versions at once, on fresh connections (the pool holds 10): each prepares, fails and rolls back.
  await rawSql(
    database,
    `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and query like '%kairos\\_m%'`,
  );
  // The pool hears of its connections' end as they go idle-closed; give it a moment to drop them.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const stale = await Promise.all(events.map((e) => edit(e.id, 99, now + 41 * MIN)));
  expect(stale.map((r) => r.status)).toEqual(events.map(() => 409));
  const moved = await Promise.all(events.map((e) => edit(e.id, 1, now + 42 * MIN)));
  expect(moved.map((r) => r.status)).toEqual(events.map(() => 200));
  const starts = await rawRows<{ due_at: string }>(
    database,
    `select due_at from triggers where trigger = 'event_start' and event_id in (${events.map(() => '?').join(', ')})`,
    ...events.map((e) => e.id),
  );
  expect(starts.map((r) => Number(r.due_at))).toEqual(events.map(() => now + 42 * MIN));
});

/** A database-side failure the server cannot foresee: events titled 'Boom' refused on `op` by a trigger. */
async function refuseBoom(op: 'insert' | 'update'): Promise<void> {
  await rawSql(
    database,
    `create or replace function refuse_boom() returns trigger language plpgsql as $$
       begin if new.title = 'Boom' then raise exception 'refused by the test'; end if; return new; end $$`,
  );
  await rawSql(database, `create trigger refuse_boom before ${op} on events for each row execute function refuse_boom()`);
}

/**
 * An edit's last statement (its event, trigger rows and history entry) is held back to travel with
 * its COMMIT (`Tx.hold`). When that statement fails there, the whole write fails: the event, its
 * triggers, its jobs and its history stay as they were, and the next edit goes through.
 */
test('an edit whose last statement fails with its COMMIT changes nothing', async () => {
  const now = Date.now();
  const { id } = await createEvent(server, { title: 'Held', ...datesBody({ startsAt: now + 5 * MIN, endsAt: now + 6 * MIN }) });
  await refuseBoom('update');
  try {
    const history = async () => (await rawRows(database, 'select seq from history where event_id = ?', id)).length;
    const before = await history();
    const failed = await server.api('PATCH', `/events/${id}`, {
      token: server.adminToken,
      json: { title: 'Boom', ...datesBody({ startsAt: now + 8 * MIN, endsAt: now + 9 * MIN }) },
    });
    expect(failed.status).toBe(500);
    const [row] = await rawRows<{ title: string; version: string; starts_at: string }>(
      database,
      'select title, version, starts_at from events where id = ?',
      id,
    );
    expect({ title: row?.title, version: Number(row?.version), startsAt: Number(row?.starts_at) }).toEqual({
      title: 'Held',
      version: 1,
      startsAt: now + 5 * MIN,
    });
    expect(await history()).toBe(before);
    expect(await jobsOf(id)).toEqual({ event_start: now + 5 * MIN, event_end: now + 6 * MIN });
    const moved = await ok(patch(id, { startsAt: now + 7 * MIN, endsAt: now + 9 * MIN }), 200);
    expect(moved.json.version).toBe(2);
    expect(await history()).toBe(before + 1);
    expect(await jobsOf(id)).toEqual({ event_start: now + 7 * MIN, event_end: now + 9 * MIN });
  } finally {
    await rawSql(database, 'drop trigger refuse_boom on events');
  }
});

/**
 * A create's one statement (its event, trigger rows and history entry) is held back too. An event a
 * month out has no job to add, so nothing sends it before the COMMIT: when it fails there, nothing
 * of the event is left, no history entry, no trigger row, and the next create goes through.
 */
test('a create whose statement fails with its COMMIT leaves nothing', async () => {
  const at = Date.now() + 30 * 24 * 60 * MIN;
  await refuseBoom('insert');
  try {
    const count = async (table: string) =>
      Number((await rawRows<{ n: string }>(database, `select count(*) as n from ${table}`))[0]?.n);
    const before = { events: await count('events'), history: await count('history'), triggers: await count('triggers') };
    const failed = await server.api('POST', '/events', {
      token: server.adminToken,
      json: { title: 'Boom', ...datesBody({ startsAt: at, endsAt: at + MIN }) },
    });
    expect(failed.status).toBe(500);
    expect({ events: await count('events'), history: await count('history'), triggers: await count('triggers') }).toEqual(before);
    const { id } = await createEvent(server, { title: 'Fine', ...datesBody({ startsAt: at, endsAt: at + MIN }) });
    const history = (await ok(server.api('GET', `/events/${id}/history`, { token: server.adminToken }), 200)).json.items;
    expect(history.map((h: { cause: string }) => h.cause)).toEqual(['create']);
    expect(await count('triggers')).toBe(before.triggers + 2);
  } finally {
    await rawSql(database, 'drop trigger refuse_boom on events');
  }
});

/**
 * The held statement and the messages write their values into the SQL as literals (db/prepared.ts
 * `literalOf`): text with quotes, backslashes, placeholders and SQL of its own comes back exactly
 * as sent, and does nothing else.
 */
test('an edit writes hostile text as text', async () => {
  const now = Date.now();
  const { id } = await createEvent(server, {
    title: 'Plain',
    ...datesBody({ startsAt: now + 5 * MIN, endsAt: now + 6 * MIN }),
  });
  const text = {
    title: `O'Brien "quoted" $1 '' '); --`,
    description: `'); drop table events; -- \\x41 \\\\ E'\\n' ünïcødé 🎉 $$ $tag$ \t tab`,
    venue: '\\',
  };
  const edited = await ok(
    server.api('PATCH', `/events/${id}`, {
      token: server.adminToken,
      json: { ...text, ...datesBody({ startsAt: now + 7 * MIN, endsAt: now + 8 * MIN }) },
    }),
    200,
  );
  expect({ title: edited.json.title, description: edited.json.description, venue: edited.json.venue }).toEqual(text);
  const read = await ok(server.api('GET', `/events/${id}`), 200);
  expect({ title: read.json.title, description: read.json.description, venue: read.json.venue }).toEqual(text);
  const [row] = await rawRows<{ title: string; description: string; venue: string }>(
    database,
    'select title, description, venue from events where id = ?',
    id,
  );
  expect(row).toEqual(text);
  expect(await jobsOf(id)).toEqual({ event_start: now + 7 * MIN, event_end: now + 8 * MIN });

  // And on a database whose strings still read backslashes as escapes (standard_conforming_strings off).
  const setting = (value: string) =>
    rawSql(
      database,
      `do $$ begin execute format('alter database %I set standard_conforming_strings = ${value}', current_database()); end $$`,
    );
  await setting('off');
  const old = await new TestServer(database, {}).start();
  try {
    const again = { ...text, venue: `C:\\temp\\new 'room'` };
    await ok(old.api('PATCH', `/events/${id}`, { token: old.adminToken, json: again }), 200);
    const [stored] = await rawRows<{ title: string; description: string; venue: string }>(
      database,
      'select title, description, venue from events where id = ?',
      id,
    );
    expect(stored).toEqual(again);
  } finally {
    await old.stop();
    await setting('on');
  }
});
