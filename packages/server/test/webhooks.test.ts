// @dialects sqlite postgres
/**
 * Webhooks (SPEC §12) against a real `kairos serve` and a real HTTP receiver on 127.0.0.1:
 * every type arrives signed (checked with the `standardwebhooks` package) with exactly the
 * stream's data; targets are checked at registration and again at delivery; a failing delivery
 * holds back no later one, and attempts to one endpoint start in `seq` order.
 */
import { Page, WebhookCreated, WebhookDeliveryView, WebhookView } from '@kairos/core';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEvent, ok } from './support/fixtures.ts';
import { DIALECT, runCli, startServer, stopAll, type TestServer } from './support/server.ts';
import { openStream } from './support/sse.ts';
import { datesBody, until } from './support/timeline.ts';
import { type Receiver, startReceiver } from './support/webhook-receiver.ts';

afterAll(stopAll);

const matches = (schema: TSchema, json: unknown) => expect(Value.Check(schema, json), JSON.stringify(json)).toBe(true);

const ALLOW_LOOPBACK = { KAIROS_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' };

async function addWebhook(server: TestServer, url: string, types?: string[]) {
  const json = types ? { url, types } : { url };
  return (await ok(server.api('POST', '/webhooks', { token: server.adminToken, json }), 201)).json as {
    id: string;
    secret: string;
    types: string[];
  };
}

async function deliveries(server: TestServer, webhookId: string) {
  // biome-ignore lint/suspicious/noExplicitAny: inspected field by field
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const q: string = cursor ? `?limit=50&cursor=${encodeURIComponent(cursor)}` : '?limit=50';
    const page = (await ok(server.api('GET', `/webhooks/${webhookId}/deliveries${q}`, { token: server.adminToken }), 200)).json;
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

// One server for the file: starting one costs more than all these tests.
let server: TestServer;
let receiver: Receiver;
beforeAll(async () => {
  server = await startServer(ALLOW_LOOPBACK);
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

describe('the admin API', () => {
  test('creates with a secret shown once, lists, reads, patches, deletes; admin only', async () => {
    const created = await addWebhook(server, receiver.url, ['transition']);
    matches(WebhookCreated, created);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(created.secret.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(created.types).toEqual(['transition']);
    const all = await addWebhook(server, receiver.url);
    expect(all.types).toContain('registration.checked_in');

    const read = (await ok(server.api('GET', `/webhooks/${created.id}`, { token: server.adminToken }), 200)).json;
    expect(read).not.toHaveProperty('secret');
    matches(WebhookView, read);
    const list = (await ok(server.api('GET', '/webhooks', { token: server.adminToken }), 200)).json;
    matches(Page(WebhookView), list);
    expect(list.items.map((w: { id: string }) => w.id)).toEqual([created.id, all.id]);
    expect(JSON.stringify(list)).not.toContain('whsec_');

    const patched = await ok(
      server.api('PATCH', `/webhooks/${created.id}`, { token: server.adminToken, json: { active: false, description: 'ops' } }),
      200,
    );
    expect(patched.json).toMatchObject({ active: false, description: 'ops', types: ['transition'] });
    await ok(server.api('DELETE', `/webhooks/${created.id}`, { token: server.adminToken }), 204);
    await ok(server.api('GET', `/webhooks/${created.id}`, { token: server.adminToken }), 404);
    await ok(server.api('DELETE', `/webhooks/${all.id}`, { token: server.adminToken }), 204);

    await ok(server.api('GET', '/webhooks'), 401);
    await ok(server.api('POST', '/webhooks', { json: { url: receiver.url } }), 401);
  });

  test('refuses a target the allowed hosts do not admit (400 on url), and odd bodies', async () => {
    for (const url of [
      'http://10.0.0.1/hook',
      'http://[::1]/hook',
      'http://192.168.1.20:8080/',
      'ftp://127.0.0.1/x',
      'not a url',
    ]) {
      const r = await server.api('POST', '/webhooks', { token: server.adminToken, json: { url } });
      expect(r.status, `${url}: ${r.text}`).toBe(400);
      expect(r.json.error.details[0].path).toBe('url');
    }
    const bad = await server.api('POST', '/webhooks', { token: server.adminToken, json: { url: receiver.url, types: ['nope'] } });
    expect(bad.status).toBe(400);
    const extra = await server.api('POST', '/webhooks', { token: server.adminToken, json: { url: receiver.url, secret: 'x' } });
    expect(extra.status).toBe(400);
    const w = await addWebhook(server, receiver.url);
    const moved = await server.api('PATCH', `/webhooks/${w.id}`, {
      token: server.adminToken,
      json: { url: 'http://169.254.169.254/' },
    });
    expect(moved.status).toBe(400);
    expect(moved.json.error.details[0]).toMatchObject({ path: 'url' });
    expect(moved.json.error.details[0].message).toMatch(/not allowed/);
    await ok(server.api('DELETE', `/webhooks/${w.id}`, { token: server.adminToken }), 204);
  });
});

describe('kairos webhook', () => {
  // Each CLI run compiles its sources afresh (seconds on this machine): three runs, on one dialect
  // (the commands call the same service as the API, whose refusals are tested above).
  test.skipIf(DIALECT === 'postgres')(
    'add, list and rm work on the database a server is using',
    { timeout: 180_000 },
    async () => {
      const env = { KAIROS_DB: server.dbPath, ...ALLOW_LOOPBACK };
      const add = await runCli(
        ['webhook', 'add', '--url', receiver.url, '--type', 'transition', 'event.created', '--description', 'cli'],
        env,
      );
      expect(add.code, add.stderr).toBe(0);
      const id = /created (wh_\S+)/.exec(add.stdout)?.[1] ?? '';
      expect(add.stdout).toMatch(/secret: whsec_\S{40,}/);
      const listed = await runCli(['webhook', 'list', '--json'], env);
      expect(JSON.parse(listed.stdout)).toEqual([
        expect.objectContaining({ id, types: ['transition', 'event.created'], description: 'cli' }),
      ]);
      expect(listed.stdout).not.toContain('whsec_');
      expect((await ok(server.api('GET', `/webhooks/${id}`, { token: server.adminToken }), 200)).json.url).toBe(receiver.url);

      const removed = await runCli(['webhook', 'rm', id], env);
      expect(removed.code, removed.stderr).toBe(0);
      await ok(server.api('GET', `/webhooks/${id}`, { token: server.adminToken }), 404);
    },
  );
});

describe('deliveries', () => {
  test('every type arrives once, signed, with the data the stream sends (seq order per endpoint)', async () => {
    const hook = await addWebhook(server, receiver.url);
    const stream = openStream(server.url, { token: server.adminToken });
    await stream.opened;
    const t = Date.now();
    const dates = {
      registrationOpensAt: t - 3600_000,
      registrationClosesAt: t + 3600_000,
      startsAt: t + 3600_000,
      endsAt: t + 7200_000,
    };
    const event = await createEvent(server, { title: 'Hooked', capacity: 1, ...datesBody(dates) });
    const reg = async (name: string) =>
      (await ok(server.api('POST', `/events/${event.id}/registrations`, { json: { name, email: `${name}@example.org` } }), 201))
        .json;
    const a = await reg('ada');
    const b = await reg('bob');
    await reg('cy');
    await ok(server.api('DELETE', `/registrations/${a.id}?token=${encodeURIComponent(a.token)}`), 200);
    // Registration closes and the event starts in 1.5 s, whatever the load made of the steps before.
    const soon = new Date(Date.now() + 1500).toISOString();
    const patch = { registrationClosesAt: soon, startsAt: soon, venue: 'Hall B' };
    await ok(server.api('PATCH', `/events/${event.id}`, { token: server.adminToken, json: patch }), 200);
    // registration_close: the last waitlisted one expires; then check bob in.
    await until(async () => (await server.api('GET', `/events/${event.id}`)).json.phase === 'in_progress', 15_000);
    await ok(
      server.api('POST', `/events/${event.id}/checkins`, { token: server.adminToken, json: { registrationId: b.id } }),
      200,
    );
    const gone = await createEvent(server, {
      title: 'Gone',
      draft: true,
      ...datesBody({ startsAt: t + 9e6, endsAt: t + 9.1e6 }),
    });
    await ok(server.api('DELETE', `/events/${gone.id}`, { token: server.adminToken }), 204);

    const types = [
      'event.created',
      'registration.created',
      'registration.cancelled',
      'registration.promoted',
      'event.updated',
      'transition',
      'registration.expired',
      'registration.checked_in',
      'event.deleted',
    ];
    await receiver
      .waitFor((all) => types.every((type) => all.some((r) => r.json?.type === type)) && all.length >= 12, 20_000)
      .catch((e) => {
        throw new Error(`${e.message}: ${receiver.received.map((r) => r.json?.type).join(', ')}`);
      });
    const logged = await deliveries(server, hook.id);
    await until(async () => (await deliveries(server, hook.id)).every((d) => d.status === 'succeeded'), 10_000);

    // Each delivery arrived exactly once (one attempt each, none failed) and was signed with the secret.
    expect(receiver.received.length).toBe(logged.length);
    expect(new Set(receiver.ids()).size).toBe(logged.length);
    for (const r of receiver.received) {
      expect(r.contentType).toBe('application/json');
      expect(receiver.verify(r, hook.secret)).toEqual(r.json);
      expect(Object.keys(r.json).sort()).toEqual(['data', 'timestamp', 'type']);
      expect(new Date(r.json.timestamp).toISOString()).toBe(r.json.timestamp);
    }
    // History types: `data` is exactly the stream's message for that seq.
    const history = receiver.received.filter((r) => typeof r.json.data.seq === 'number');
    await stream.waitFor((m) => history.every((r) => m.some((s) => Number(s.id) === r.json.data.seq)), 5000);
    for (const r of history) {
      const message = stream.messages.find((s) => Number(s.id) === r.json.data.seq);
      expect(message?.type).toBe(r.json.type);
      expect(r.json.data).toEqual(message?.data);
    }
    stream.close();
    // Registration types: the registration, never a token.
    const promoted = receiver.received.find((r) => r.json.type === 'registration.promoted');
    expect(promoted?.json.data).toMatchObject({ id: b.id, eventId: event.id, status: 'confirmed', email: 'bob@example.org' });
    expect(JSON.stringify(receiver.received.map((r) => r.json))).not.toMatch(/token/i);
    // Attempts to one endpoint start in seq order.
    const seqs = history.map((r) => r.json.data.seq as number);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    // The log: newest first, paginated, every field.
    expect(logged.map((d) => d.id)).toEqual([...receiver.ids()].reverse());
    const page = (await ok(server.api('GET', `/webhooks/${hook.id}/deliveries?limit=2`, { token: server.adminToken }), 200)).json;
    expect(page.items).toHaveLength(2);
    matches(Page(WebhookDeliveryView), page);
    const doc = (await ok(server.request('GET', '/api/v1/openapi.json'), 200)).json;
    const listed = doc.paths['/api/v1/webhooks/{id}/deliveries'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(listed.properties.items.items.properties).sort()).toEqual(
      Object.keys(WebhookDeliveryView.properties).sort(),
    );
    expect(page.nextCursor).toEqual(expect.any(String));
    await ok(server.api('DELETE', `/webhooks/${hook.id}`, { token: server.adminToken }), 204);
  });
});
