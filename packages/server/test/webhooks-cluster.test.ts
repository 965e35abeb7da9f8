// @dialects postgres
/**
 * Webhooks in cluster mode (SPEC §10, §12): two `kairos serve` instances on one PostgreSQL, both
 * running delivery. Each delivery is attempted by one instance only — once when the receiver
 * answers 2xx, and its retries likewise once each — and attempts to the endpoint start in `seq`
 * order whichever instance made the change.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createEvent, ok } from './support/fixtures.ts';
import { rawSql } from './support/raw-sql.ts';
import { freshDatabase, stopAll, TestServer } from './support/server.ts';
import { datesBody, until } from './support/timeline.ts';
import { startReceiver } from './support/webhook-receiver.ts';

afterAll(stopAll);

let a: TestServer;
let b: TestServer;
let database: string;
beforeAll(async () => {
  database = await freshDatabase();
  const env = { KAIROS_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' };
  [a, b] = await Promise.all([new TestServer(database, env).start(), new TestServer(database, env).start()]);
});

test('two instances: each attempt is made once, by one instance, in seq order', async () => {
  const receiver = await startReceiver();
  try {
    const hook = (
      await ok(a.api('POST', '/webhooks', { token: a.adminToken, json: { url: receiver.url, types: ['event.created'] } }), 201)
    ).json;
    // Every delivery fails once, then succeeds: two attempts each, made 5 s apart by either instance.
    const refused = new Set<string>();
    receiver.answer = (r) => {
      if (refused.has(r.id)) return 200;
      refused.add(r.id);
      return 503;
    };
    const N = 12;
    const t = Date.now() + 30 * 86_400_000;
    const created = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        createEvent(
          i % 2 ? b : a,
          { title: `Cluster ${i}`, ...datesBody({ startsAt: t, endsAt: t + 3600_000 }) },
          (i % 2 ? b : a).adminToken,
        ),
      ),
    );
    await receiver
      .waitFor((all) => all.length >= 2 * N, 30_000)
      .catch((e) => {
        throw new Error(`${e.message}: ${receiver.received.map((r) => `${r.id.slice(-4)}:${r.json.data.seq}`).join(' ')}`);
      });
    await until(async () => {
      const items = (await ok(b.api('GET', `/webhooks/${hook.id}/deliveries`, { token: b.adminToken }), 200)).json.items;
      return items.length === N && items.every((d: { status: string }) => d.status === 'succeeded');
    }, 15_000);
    // A little longer: a doubled attempt would show up now.
    await new Promise((r) => setTimeout(r, 1500));
    const perId = new Map<string, number>();
    for (const r of receiver.received) perId.set(r.id, (perId.get(r.id) ?? 0) + 1);
    expect(perId.size).toBe(N);
    expect([...perId.values()].every((n) => n === 2)).toBe(true);
    expect(new Set(receiver.received.map((r) => r.json.data.event.id))).toEqual(new Set(created.map((e) => e.id)));
    // First attempts started in seq order.
    const firstSeqs = receiver.received
      .filter((r, i, all) => all.findIndex((x) => x.id === r.id) === i)
      .map((r) => r.json.data.seq);
    expect(firstSeqs).toEqual([...firstSeqs].sort((x, y) => x - y));
  } finally {
    await receiver.close();
  }
});

test('an endpoint changed anywhere applies to the very next write on every instance', async () => {
  // Instances keep the active endpoints they read while the table's generation (read with each
  // write's BEGIN) stays the same. Changed through the other instance, or by SQL as an instance
  // of the previous version or an operator would change it, the next write must see the change.
  const t = Date.now() + 30 * 86_400_000;
  const create = async (title: string) =>
    (await createEvent(b, { title, ...datesBody({ startsAt: t, endsAt: t + 3600_000 }) }, b.adminToken)).id as string;
  const reported = async (hookId: string) =>
    (await ok(b.api('GET', `/webhooks/${hookId}/deliveries?limit=100`, { token: b.adminToken }), 200)).json.items
      .length as number;
  await create('Before the endpoint'); // b reads and keeps the endpoints as they are
  const hook = (
    await ok(
      a.api('POST', '/webhooks', { token: a.adminToken, json: { url: 'http://127.0.0.1:9/', types: ['event.deleted'] } }),
      201,
    )
  ).json;
  const del = async (title: string) => ok(b.api('DELETE', `/events/${await create(title)}`, { token: b.adminToken }), 204);
  await del('Reported');
  expect(await reported(hook.id)).toBe(1);
  expect(await rawSql(database, 'update webhooks set active = 0 where id = ?', hook.id)).toBe(1);
  await del('Not reported: the endpoint is inactive');
  expect(await reported(hook.id)).toBe(1);
  await ok(a.api('PATCH', `/webhooks/${hook.id}`, { token: a.adminToken, json: { active: true } }), 200);
  await del('Reported again');
  expect(await reported(hook.id)).toBe(2);
  await ok(a.api('DELETE', `/webhooks/${hook.id}`, { token: a.adminToken }), 204);
});

/**
 * A create's or an edit's last statement, which writes its history entry, travels with its COMMIT
 * (`Tx.hold`); the webhooks consequence runs before that and needs the entry's `seq`: it sends the
 * held statement first. Each delivery names the seq its history entry has.
 */
test("a create's and an edit's delivery carry their history entry's seq", async () => {
  const receiver = await startReceiver();
  try {
    await ok(
      a.api('POST', '/webhooks', { token: a.adminToken, json: { url: receiver.url, types: ['event.created', 'event.updated'] } }),
      201,
    );
    const t = Date.now() + 30 * 86_400_000;
    const { id } = await createEvent(a, { title: 'Edited', ...datesBody({ startsAt: t, endsAt: t + 3600_000 }) }, a.adminToken);
    for (const [i, venue] of ['Hall A', 'Hall B', 'Hall C'].entries()) {
      const by = i % 2 ? b : a;
      await ok(by.api('PATCH', `/events/${id}`, { token: by.adminToken, json: { venue } }), 200);
    }
    await receiver.waitFor((all) => all.length >= 4, 20_000);
    const history = (await ok(a.api('GET', `/events/${id}/history`, { token: a.adminToken }), 200)).json.items as Array<{
      seq: number;
      cause: string;
    }>;
    const writes = history.filter((h) => h.cause === 'create' || h.cause === 'edit');
    expect(writes.map((h) => h.cause)).toEqual(['create', 'edit', 'edit', 'edit']);
    expect(receiver.received.map((r) => r.json.data.seq)).toEqual(writes.map((h) => h.seq));
    expect(receiver.received.map((r) => r.json.type)).toEqual([
      'event.created',
      'event.updated',
      'event.updated',
      'event.updated',
    ]);
    expect(receiver.received.map((r) => r.json.data.event.venue).slice(1)).toEqual(['Hall A', 'Hall B', 'Hall C']);
  } finally {
    await receiver.close();
  }
});
