// @dialects postgres
/**
 * Concurrent writes in cluster mode (SPEC §10, issue 9): writes through different instances run
 * at the same time — no cluster-wide lock — and every stream client still receives one gap-free
 * order of `seq`.
 *
 * The first test makes the interleaving happen on purpose, with real parts only: an open
 * transaction of the test holds a webhook endpoint's row, so instance A's create — which has
 * already taken its history `seq` when its delivery row's foreign key check reaches that row —
 * waits mid-transaction. Instance B's edit then takes the next `seq` and commits first. A stream
 * that published B's entry on its commit would skip A's (the hub reads on from the highest seq it
 * sent); the store's settled bound (db/postgres.ts) holds B's entry back until A's commits.
 * Under the old cluster-wide write lock, B's edit would wait for A instead: the test also fails
 * on that.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createEvent, ok } from './support/fixtures.ts';
import { rawRows } from './support/raw-sql.ts';
import { freshDatabase, stopAll, TestServer } from './support/server.ts';
import { openStream, type Stream } from './support/sse.ts';
import { datesBody, until } from './support/timeline.ts';
import { startReceiver } from './support/webhook-receiver.ts';

afterAll(stopAll);

const DAY = 86_400_000;
let database: string;
let a: TestServer;
let b: TestServer;
/**
 * The instance no stream client reaches before its own test, started with the others: started
 * inside that test, it made the test 6.4 s long (loaded).
 */
let c: TestServer;
const streams: Stream[] = [];

beforeAll(async () => {
  database = await freshDatabase();
  // Many registrations from one address below: the limit is configuration (SPEC §11).
  const env = { KAIROS_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', KAIROS_REGISTRATION_RATE: '1000/1m' };
  [a, b, c] = await Promise.all([
    new TestServer(database, env).start(),
    new TestServer(database, env).start(),
    new TestServer(database, { KAIROS_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }).start(),
  ]);
});

afterAll(() => {
  for (const s of streams) s.close();
});

async function stream(server: TestServer): Promise<Stream> {
  const s = openStream(server.url, { token: server.adminToken });
  streams.push(s);
  await s.opened;
  await s.waitFor((m) => m.some((x) => x.type === 'hello'), 10_000);
  return s;
}

/** The history's seqs, in order, from the table itself. */
async function historySeqs(after: number): Promise<number[]> {
  const rows = await rawRows<{ seq: string }>(database, 'select seq from history where seq > ? order by seq', after);
  return rows.map((r) => Number(r.seq));
}

const seqsOf = (s: Stream, after: number) =>
  s.messages.filter((m) => m.id !== '' && m.id !== undefined && Number(m.id) > after).map((m) => Number(m.id));

/** Backends of this database waiting for a lock: the held write has reached the row. */
async function waitingOnLock(): Promise<number> {
  const name = new URL(database).pathname.slice(1);
  const rows = await rawRows<{ n: string }>(
    database,
    "select count(*) as n from pg_stat_activity where datname = ? and wait_event_type = 'Lock'",
    name,
  );
  return Number(rows[0]?.n ?? 0);
}

test('a write that commits first with the later seq is held back: every stream keeps seq order with no gap', async () => {
  const t = Date.now() + 30 * DAY;
  const dates = datesBody({ startsAt: t, endsAt: t + 3600_000 });
  const edited = await createEvent(b, { title: 'Edited through B', ...dates });
  const receiver = await startReceiver();
  const holder = new pg.Client({ connectionString: database });
  try {
    const hook = (
      await ok(a.api('POST', '/webhooks', { token: a.adminToken, json: { url: receiver.url, types: ['event.created'] } }), 201)
    ).json;
    const [onA, onB] = [await stream(a), await stream(b)];
    const start = (await historySeqs(0)).at(-1) ?? 0;

    await holder.connect();
    await holder.query('begin');
    await holder.query('select id from webhooks where id = $1 for update', [hook.id]);
    // A's create: event, triggers, history (its seq taken), then the delivery row, whose foreign
    // key check waits for the test's lock on the endpoint.
    const created = a.api('POST', '/events', { token: a.adminToken, json: { title: 'Created through A', ...dates } });
    await until(async () => (await waitingOnLock()) > 0, 15_000);

    // B's edit takes the next seq and, with no cluster-wide lock, commits while A's write waits.
    const edit = b.api('PATCH', `/events/${edited.id}`, { token: b.adminToken, json: { title: 'Edited while A waits' } });
    const answered = await Promise.race([edit.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 15_000))]);
    expect(answered, 'an edit through B waited for a write through A: writes are serialised').toBe(true);
    expect((await edit).status).toBe(200);
    const seqs = await historySeqs(start);
    expect(seqs).toHaveLength(1); // only B's entry is visible: A's seq is taken but not committed
    // B's entry is committed, and no stream has it yet: a lower seq may still commit.
    await new Promise((r) => setTimeout(r, 500));
    expect(seqsOf(onA, start)).toEqual([]);
    expect(seqsOf(onB, start)).toEqual([]);

    await holder.query('rollback');
    const a1 = await created;
    expect(a1.status, a1.text).toBe(201);
    const all = await historySeqs(start);
    expect(all).toHaveLength(2);
    const createdSeq = (await rawRows<{ seq: string }>(database, 'select seq from history where event_id = ?', a1.json.id))[0];
    // The interleaving happened: the created entry has the lower seq, the edit committed first.
    expect(Number(createdSeq?.seq)).toBe(all[0]);
    for (const s of [onA, onB]) {
      await s.waitFor((m) => seqsOf({ messages: m } as Stream, start).length >= 2, 10_000);
      expect(seqsOf(s, start)).toEqual(all);
    }
    const types = onB.messages.filter((m) => Number(m.id) > start).map((m) => m.type);
    expect(types).toEqual(['event.created', 'event.updated']);
    // A client reconnecting from before both replays them in the same order.
    const replay = openStream(b.url, { token: b.adminToken, lastEventId: start });
    streams.push(replay);
    await replay.waitFor((m) => seqsOf({ messages: m } as Stream, start).length >= 2, 10_000);
    expect(seqsOf(replay, start)).toEqual(all);
  } finally {
    await holder.end().catch(() => {});
    await receiver.close();
  }
});

test('many writes through two instances at once: each stream gets every committed seq once, in order', async () => {
  const [onA, onB] = [await stream(a), await stream(b)];
  const start = (await historySeqs(0)).at(-1) ?? 0;
  const t = Date.now() + 40 * DAY;
  const base = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      createEvent(i % 2 ? a : b, {
        title: `Base ${i}`,
        ...datesBody({ startsAt: t + i * 60_000, endsAt: t + i * 60_000 + 3600_000 }),
      }),
    ),
  );
  // Creates and edits (every edit moves a date: triggers, jobs and history change) from 16 clients.
  const writes = Array.from({ length: 120 }, (_, i) => {
    const server = i % 2 ? a : b;
    if (i % 3 === 0) {
      const e = base[i % base.length];
      if (!e) throw new Error('no base event');
      const at = t + 5 * DAY + i * 60_000;
      return () =>
        server.api('PATCH', `/events/${e.id}`, {
          token: server.adminToken,
          json: datesBody({ startsAt: at, endsAt: at + 3600_000 }),
        });
    }
    return () =>
      server.api('POST', '/events', {
        token: server.adminToken,
        json: { title: `Write ${i}`, ...datesBody({ startsAt: t, endsAt: t + 3600_000 }) },
      });
  });
  let next = 0;
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < writes.length; i = next++)
        statuses.push((await (writes[i] as () => Promise<{ status: number }>)()).status);
    }),
  );
  expect(statuses.filter((s) => s !== 200 && s !== 201)).toEqual([]);
  const all = await historySeqs(start);
  expect(all.length).toBe(10 + writes.length);
  for (const s of [onA, onB]) {
    await s.waitFor((m) => seqsOf({ messages: m } as Stream, start).length >= all.length, 20_000).catch(() => undefined);
    expect(seqsOf(s, start)).toEqual(all);
  }
});

test('registrations racing through two instances for the last places: exactly the capacity is confirmed', async () => {
  const now = Date.now();
  const hour = 3600_000;
  const event = await createEvent(a, {
    title: 'Five places, two doors',
    capacity: 5,
    ...datesBody({
      registrationOpensAt: now - hour,
      registrationClosesAt: now + hour,
      startsAt: now + 2 * hour,
      endsAt: now + 3 * hour,
    }),
  });
  const answers = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      (i % 2 ? a : b).api('POST', `/events/${event.id}/registrations`, {
        json: { name: `Racer ${i}`, email: `racer${i}.${now}@example.org` },
      }),
    ),
  );
  for (const r of answers) expect(r.status, r.text).toBe(201);
  const statuses = answers.map((r) => r.json.status as string);
  expect(statuses.filter((s) => s === 'confirmed')).toHaveLength(5);
  const positions = answers
    .filter((r) => r.json.status === 'waitlisted')
    .map((r) => r.json.position as number)
    .sort((x, y) => x - y);
  expect(positions).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
});

test('an instance with no stream client: a client that connects in the middle of writes replays, then gets every seq once, in order', async () => {
  // With no client, the hub only advances its bound (at most every 100 ms): it reads nothing. The
  // client arriving mid-writes replays up to that bound and gets the rest from the hub's next pass.
  const start = (await historySeqs(0)).at(-1) ?? 0;
  const t = Date.now() + 50 * DAY;
  const write = (i: number) =>
    (i % 2 ? a : c).api('POST', '/events', {
      token: (i % 2 ? a : c).adminToken,
      json: { title: `Quiet ${i}`, ...datesBody({ startsAt: t + i * 60_000, endsAt: t + i * 60_000 + 3600_000 }) },
    });
  let next = 0;
  let late: Stream | null = null;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < 80; i = next++) {
        if (i === 40) {
          late = openStream(c.url, { token: c.adminToken, lastEventId: start });
          streams.push(late);
        }
        expect((await write(i)).status).toBe(201);
      }
    }),
  );
  const all = await historySeqs(start);
  expect(all).toHaveLength(80);
  const s = late as unknown as Stream;
  await s.waitFor((m) => seqsOf({ messages: m } as Stream, start).length >= all.length, 20_000).catch(() => undefined);
  expect(seqsOf(s, start)).toEqual(all);
});

test('a transaction open in another database on the same server does not hold back this cluster’s streams', async () => {
  // The settled bound waits for running transactions of this database only: a long one elsewhere
  // on the server (another cluster, a report, a migration) must not delay every message here.
  const elsewhere = new pg.Client({ connectionString: await freshDatabase({ empty: true }) });
  await elsewhere.connect();
  try {
    const [onA, onB] = [await stream(a), await stream(b)];
    const start = (await historySeqs(0)).at(-1) ?? 0;
    await elsewhere.query('begin');
    await elsewhere.query('select pg_current_xact_id()');
    const t = Date.now() + 60 * DAY;
    await createEvent(a, { title: 'Written while another database waits', ...datesBody({ startsAt: t, endsAt: t + 3600_000 }) });
    const all = await historySeqs(start);
    expect(all).toHaveLength(1);
    for (const s of [onA, onB]) {
      await s.waitFor((m) => seqsOf({ messages: m } as Stream, start).length >= 1, 15_000).catch(() => undefined);
      expect(seqsOf(s, start), 'the stream waited for another database’s transaction').toEqual(all);
    }
    // The other transaction is still open: the messages above did not wait for it to end.
    expect((await elsewhere.query('select pg_current_xact_id_if_assigned() is not null as open')).rows[0]?.open).toBe(true);
  } finally {
    await elsewhere.query('rollback').catch(() => {});
    await elsewhere.end().catch(() => {});
  }
});

test('another instance’s entries released at once, more than a catch-up page: every seq once, in order', async () => {
  // An older transaction of this database holds the settled bound while B imports 1 200 events
  // (transactions of 500); when it ends, A publishes them in one pass, page by page.
  const onA = await stream(a);
  const start = (await historySeqs(0)).at(-1) ?? 0;
  const holder = new pg.Client({ connectionString: database });
  await holder.connect();
  try {
    await holder.query('begin');
    await holder.query('select pg_current_xact_id()');
    const t = Date.now() + 70 * DAY;
    const records = Array.from({ length: 1200 }, (_, i) => ({
      title: `Released ${i}`,
      ...datesBody({ startsAt: t + i * 60_000, endsAt: t + i * 60_000 + 3600_000 }),
    }));
    const imported = await ok(b.api('POST', '/events/import', { token: b.adminToken, json: records }), 200);
    expect(imported.json.created).toBe(1200);
    await new Promise((r) => setTimeout(r, 300));
    expect(seqsOf(onA, start), 'published while an older transaction could still take a lower seq').toEqual([]);
  } finally {
    await holder.query('rollback').catch(() => {});
    await holder.end().catch(() => {});
  }
  const all = await historySeqs(start);
  expect(all).toHaveLength(1200);
  await onA.waitFor((m) => seqsOf({ messages: m } as Stream, start).length >= all.length, 30_000).catch(() => undefined);
  expect(seqsOf(onA, start)).toEqual(all);
});
