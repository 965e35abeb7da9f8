/**
 * Webhook edge cases that real time cannot reach quickly, in this process on a fake clock with a
 * real SQLite file and a real HTTP receiver: the whole retry schedule (5 s … 10 h, then failed)
 * and a manual retry after it; the allowed-hosts rule over the address ranges it must refuse;
 * the delivery-time check on the addresses DNS gives; redirects not followed.
 */
import path from 'node:path';
import { WEBHOOK_RETRY_DELAYS_MS } from '@kairos/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { migrate } from '../src/db/migrate.ts';
import { openSqlite } from '../src/db/sqlite.ts';
import type { Store } from '../src/db/store.ts';
import { EventsService } from '../src/features/events/events.service.ts';
import { addressRefusal, parseAllowedHosts } from '../src/features/webhooks/allowed-hosts.ts';
import { send } from '../src/features/webhooks/webhook.sender.ts';
import { WebhooksService } from '../src/features/webhooks/webhooks.service.ts';
import { FakeClock } from './support/fake-clock.ts';
import { T0 } from './support/in-process.ts';
import { tempDir } from './support/server.ts';
import { type Receiver, startReceiver } from './support/webhook-receiver.ts';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

describe('KAIROS_WEBHOOK_ALLOWED_HOSTS', () => {
  const external = parseAllowedHosts(undefined);
  test.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '192.0.2.1',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '2002:7f00:1::1',
  ])('external refuses %s', (address) => {
    expect(addressRefusal(external, address)).toMatch(/is not a public address/);
  });

  test.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('external admits %s', (address) => {
    expect(addressRefusal(external, address)).toBeNull();
  });

  test('a list admits its addresses and ranges only; * admits all; nonsense is refused at start', () => {
    const list = parseAllowedHosts('127.0.0.1, 10.0.0.0/8, fd00::/8, hooks.example.org');
    expect(addressRefusal(list, '127.0.0.1')).toBeNull();
    expect(addressRefusal(list, '10.200.1.1')).toBeNull();
    expect(addressRefusal(list, 'fd00::5')).toBeNull();
    expect(addressRefusal(list, '127.0.0.2')).toMatch(/not in KAIROS_WEBHOOK_ALLOWED_HOSTS/);
    expect(addressRefusal(list, '11.0.0.1')).toMatch(/not in/);
    expect(addressRefusal(parseAllowedHosts('*'), '127.0.0.1')).toBeNull();
    expect(() => parseAllowedHosts('10.0.0.0/99')).toThrow(/CIDR/);
    expect(() => parseAllowedHosts('bad host!')).toThrow(/neither/);
  });
});

describe('an attempt', () => {
  const attempt = { id: 'msg_test', body: '{"type":"event.created"}', now: Date.now() };
  const signal = new AbortController().signal;

  test('is refused after DNS when the name resolves to an address the rule does not admit', async () => {
    const before = receiver.received.length;
    const url = receiver.url.replace('127.0.0.1', 'localhost');
    const result = await send(
      { url, secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      attempt,
      parseAllowedHosts('external'),
      signal,
    );
    expect(result).toMatchObject({ ok: false });
    expect(!result.ok && result.error).toMatch(/^blocked: localhost resolves to .* is not a public address \(loopback\)/);
    const literal = await send({ url: receiver.url, secret: 'whsec_AAAA' }, attempt, parseAllowedHosts('10.0.0.0/8'), signal);
    expect(!literal.ok && literal.error).toMatch(/^blocked: 127\.0\.0\.1 is not in KAIROS_WEBHOOK_ALLOWED_HOSTS/);
    expect(receiver.received.length).toBe(before);
  });

  test('does not follow a redirect: a 3xx is a failure', async () => {
    receiver.answer = () => 302;
    const before = receiver.received.length;
    const result = await send({ url: receiver.url, secret: 'whsec_AAAA' }, attempt, parseAllowedHosts('127.0.0.1'), signal);
    receiver.answer = () => 200;
    expect(result).toMatchObject({ ok: false, set: { lastStatusCode: 302 } });
    expect(!result.ok && result.error).toMatch(/redirect.*not followed/);
    expect(receiver.received.length).toBe(before + 1);
  });

  test('waits KAIROS_WEBHOOK_TIMEOUT_SECONDS for an answer (10 s, as the SPEC says, unless set), then fails', async () => {
    expect(loadConfig({}).webhookTimeoutMs).toBe(10_000);
    expect(loadConfig({ KAIROS_WEBHOOK_TIMEOUT_SECONDS: '3' }).webhookTimeoutMs).toBe(3000);
    expect(() => loadConfig({ KAIROS_WEBHOOK_TIMEOUT_SECONDS: '0' })).toThrow(/KAIROS_WEBHOOK_TIMEOUT_SECONDS=0/);
    receiver.answer = () => 'hang';
    const t = Date.now();
    const result = await send({ url: receiver.url, secret: 'whsec_AAAA' }, attempt, parseAllowedHosts('127.0.0.1'), signal, 1000);
    receiver.answer = () => 200;
    expect(result).toMatchObject({ ok: false, error: 'no answer within 1 s', set: { lastStatusCode: null } });
    expect(Date.now() - t).toBeGreaterThanOrEqual(950);
  });
});

describe('the retry schedule, on a fake clock', () => {
  let store: Store;
  let clock: FakeClock;
  let webhooks: WebhooksService;
  beforeAll(async () => {
    store = openSqlite(path.join(tempDir('kairos-hooks-'), 'kairos.sqlite'));
    await migrate(store);
    clock = new FakeClock(T0);
    webhooks = new WebhooksService({ store, clock, allowedHosts: parseAllowedHosts('127.0.0.1') });
    clock.settle = () => webhooks.runner.idle();
    await webhooks.start();
  });
  afterAll(async () => {
    await webhooks.stop();
    await store.close();
  });

  test('5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then failed; a manual retry makes one more attempt', async () => {
    receiver.answer = () => 500;
    const before = receiver.received.length;
    const hook = await webhooks.create({ url: receiver.url, types: ['event.created'] });
    const events = new EventsService({ store, clock, defaultTimezone: 'UTC' });
    await events.create({ role: 'admin', userId: 'usr_test' }, {
      title: 'Refused',
      startsAt: new Date(T0 + 86_400_000).toISOString(),
      endsAt: new Date(T0 + 90_000_000).toISOString(),
    } as never);
    await webhooks.runner.idle();
    const attempts = () => receiver.received.length - before;
    expect(attempts()).toBe(1);
    for (const [i, delay] of WEBHOOK_RETRY_DELAYS_MS.entries()) {
      const [d] = await webhooks.deliveries(hook.id, null, 1);
      expect(d).toMatchObject({
        status: 'pending',
        attempts: i + 1,
        lastStatusCode: 500,
        nextAttemptAt: (d?.lastAttemptAt ?? Number.NaN) + delay,
      });
      await clock.advance(delay - 1);
      expect(attempts()).toBe(i + 1);
      await clock.advance(1);
      expect(attempts()).toBe(i + 2);
    }
    const [failed] = await webhooks.deliveries(hook.id, null, 1);
    expect(failed).toMatchObject({ status: 'failed', attempts: 8, nextAttemptAt: null, lastError: 'answered 500' });
    await clock.advance(30 * 86_400_000);
    expect(attempts()).toBe(8);
    // Every attempt carried the same id and body.
    expect(new Set(receiver.received.slice(before).map((r) => `${r.id} ${r.body}`)).size).toBe(1);

    receiver.answer = () => 200;
    await webhooks.retry(hook.id, failed?.id ?? '');
    await webhooks.runner.idle();
    expect(attempts()).toBe(9);
    const [done] = await webhooks.deliveries(hook.id, null, 1);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 9, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    expect(clock.pending).toBeLessThanOrEqual(1);
  });
});
