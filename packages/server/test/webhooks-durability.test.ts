// @dialects sqlite postgres
/**
 * Webhook deliveries on the bad day (SPEC §12), against a real `kairos serve` killed with
 * SIGKILL and a real HTTP receiver: a 500 is retried 5 s later even across a kill -9; deliveries
 * committed just before a kill -9 all arrive, none twice over; a failing delivery holds back no
 * later one; a receiver that hangs delays neither firing nor the stream. (The delivery-time host check is
 * in webhooks-schedule.test.ts, in process.)
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createEvent, ok } from './support/fixtures.ts';
import { startServer, stopAll, type TestServer } from './support/server.ts';
import { openStream } from './support/sse.ts';
import { datesBody, fullHistory, until } from './support/timeline.ts';
import { type Receiver, startReceiver } from './support/webhook-receiver.ts';

afterAll(stopAll);

let server: TestServer;
/**
 * The burst test's server, with 3 s attempts: in cluster mode an attempt the kill caught in flight
 * keeps its lease (three times the attempt timeout) before another instance may retry it, and the
 * endpoint's later deliveries queue behind it. With the SPEC's 10 s the wait was 30 s of this
 * file's 50 (PostgreSQL); 3 s still leaves the in-process receiver ample time to answer.
 */
let own: TestServer;
let receiver: Receiver;
beforeAll(async () => {
  [server, own, receiver] = await Promise.all([
    startServer({ KAIROS_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }),
    startServer({ KAIROS_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', KAIROS_WEBHOOK_TIMEOUT_SECONDS: '3' }),
    startReceiver(),
  ]);
});
afterAll(() => receiver.close());

async function addWebhook(url: string, types: string[], s = server) {
  return (await ok(s.api('POST', '/webhooks', { token: s.adminToken, json: { url, types } }), 201)).json as {
    id: string;
    secret: string;
  };
}
const removeWebhook = (id: string) => ok(server.api('DELETE', `/webhooks/${id}`, { token: server.adminToken }), 204);

// biome-ignore lint/suspicious/noExplicitAny: inspected field by field
async function deliveries(webhookId: string, s = server): Promise<any[]> {
  return (await ok(s.api('GET', `/webhooks/${webhookId}/deliveries?limit=200`, { token: s.adminToken }), 200)).json.items;
}

const far = (title: string) => {
  const t = Date.now() + 30 * 86_400_000;
  return { title, ...datesBody({ startsAt: t, endsAt: t + 3600_000 }) };
};

/** Answer 500 to the first attempt of each delivery about an event with one of these titles, 200 otherwise. */
function refuseOnce(...titles: string[]): void {
  const refused = new Set<string>();
  receiver.answer = (r) => {
    if (!titles.includes(r.json?.data?.event?.title) || refused.has(r.id)) return 200;
    refused.add(r.id);
    return 500;
  };
}

/**
 * The retry test and the burst test kill different servers and pick their own deliveries out of
 * the shared receiver by event id: they run at the same time (the retry test waits 5 s twice, the
 * burst one for its restart and, on PostgreSQL, a lease). Serial they took 8.5 + 17.7 s (PostgreSQL, loaded).
 */
test.concurrent('a 500 is retried after 5 s, across kill -9, and holds back no later delivery', async () => {
  const hook = await addWebhook(receiver.url, ['event.created']);
  try {
    // Killed while the retry waits: the restarted server makes it on schedule.
    refuseOnce('Refused at first', 'Refused again');
    const first = await createEvent(server, far('Refused at first'));
    const failedAt = await receiver.waitFor((all) => all.find((r) => r.json.data.event.id === first.id), 10_000);
    const pending = await until(
      async () => (await deliveries(hook.id)).find((d) => d.id === failedAt.id && d.lastStatusCode === 500),
      5000,
    );
    await server.kill9();
    expect(pending).toMatchObject({ status: 'pending', attempts: 1, lastError: 'answered 500' });
    expect(Date.parse(pending.nextAttemptAt) - failedAt.at).toBeGreaterThan(4000);
    await server.start();
    const backAt = Date.now();

    // While a delivery waits for its retry, a later one to the same endpoint goes through. (Shown
    // during the first one's wait: the two 5 s waits overlap.)
    const again = await createEvent(server, far('Refused again'));
    const refusedAt = await receiver.waitFor((all) => all.find((r) => r.json.data.event.id === again.id), 10_000);
    const second = await createEvent(server, far('Not held back'));
    const later = await receiver.waitFor((all) => all.find((r) => r.json.data.event.id === second.id), 10_000);

    const retried = await receiver.waitFor((all) => all.filter((r) => r.id === failedAt.id)[1], 30_000);
    // Not before 5 s (100 ms of slack between the server's clock and ours); and once the server is
    // back (a restart can take longer than 5 s on a loaded machine), soon.
    expect(retried.at - failedAt.at).toBeGreaterThanOrEqual(4900);
    expect(retried.at - Math.max(backAt, failedAt.at + 5000)).toBeLessThan(10_000);
    expect(retried.body).toBe(failedAt.body);
    await until(async () => (await deliveries(hook.id)).find((d) => d.id === failedAt.id)?.status === 'succeeded', 10_000);
    expect(receiver.received.filter((r) => r.id === failedAt.id)).toHaveLength(2);

    const retry = await receiver.waitFor((all) => all.filter((r) => r.id === refusedAt.id)[1], 20_000);
    expect(later.at).toBeLessThan(retry.at);
    expect(retry.at - refusedAt.at).toBeGreaterThanOrEqual(4900);
    expect(JSON.parse(later.body).data.seq).toBeGreaterThan(JSON.parse(refusedAt.body).data.seq);
  } finally {
    receiver.answer = () => 200;
    await removeWebhook(hook.id);
  }
});

test.concurrent('deliveries committed right before kill -9 all arrive, each id once over, in seq order', async () => {
  const hook = await addWebhook(receiver.url, ['event.created'], own);
  const before = receiver.received.length;
  const N = 20;
  const created = await Promise.all(Array.from({ length: N }, (_, i) => createEvent(own, far(`Burst ${i}`))));
  await own.kill9();
  await own.start();
  const mine = () => receiver.received.slice(before).filter((r) => created.some((e) => e.id === r.json.data.event.id));
  await receiver.waitFor(() => new Set(mine().map((r) => r.id)).size === N, 60_000);
  const log = await deliveries(hook.id, own);
  await until(async () => (await deliveries(hook.id, own)).every((d) => d.status === 'succeeded'), 10_000);
  expect(log).toHaveLength(N);
  // Every delivery id arrived; a request can repeat only if the kill caught it in flight (one per endpoint at most).
  expect(new Set(mine().map((r) => r.id))).toEqual(new Set(log.map((d) => d.id)));
  expect(mine().length).toBeLessThanOrEqual(N + 1);
  expect(new Set(mine().map((r) => r.json.data.event.id))).toEqual(new Set(created.map((e) => e.id)));
  const seqs = [...new Map(mine().map((r) => [r.id, r.json.data.seq as number])).values()];
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  await own.stop();
}, 120_000);

test('a receiver that hangs delays neither firing, nor the stream, nor other endpoints', async () => {
  const slow = await startReceiver();
  slow.answer = () => 'hang';
  const slowHook = await addWebhook(slow.url, ['transition', 'event.created']);
  const fastHook = await addWebhook(receiver.url, ['transition']);
  const stream = openStream(server.url);
  await stream.opened;
  // Several deliveries queue up behind the hung one (one attempt at a time per endpoint, 10 s each).
  for (let i = 0; i < 3; i++) await createEvent(server, far(`Queued ${i}`));
  const t = Date.now() + 2500;
  const event = await createEvent(server, { title: 'On time', ...datesBody({ startsAt: t, endsAt: t + 3600_000 }) });
  const started = await stream.waitFor((m) => m.find((s) => s.type === 'transition' && s.data.eventId === event.id), 15_000);
  const fast = await receiver.waitFor((all) => all.find((r) => r.json.data.eventId === event.id), 15_000);
  const fired = (await fullHistory(server, event.id)).find((h) => h.trigger === 'event_start');
  // The hung receiver's first attempt runs until its 10 s timeout; firing and the other endpoint did not wait for it.
  expect(fired.lateMs).toBeLessThan(2000);
  expect(started.receivedAt - t).toBeLessThan(3000);
  expect(fast.at - t).toBeLessThan(5000);
  expect(slow.received.length).toBeGreaterThanOrEqual(1);
  stream.close();
  await removeWebhook(slowHook.id);
  await removeWebhook(fastHook.id);
  await slow.close();
});
