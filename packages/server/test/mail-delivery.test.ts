/**
 * Delivering attendee mail (SPEC §14) through a real SMTP server run in this test, on the bad
 * days: the SMTP server refusing and then recovering (retried with backoff, sent once), the
 * Kairos process killed with -9 between the commit of the cause and the SMTP server's answer
 * (after a restart exactly one message with that Message-ID is accepted), and no SMTP server
 * configured at all (mails kept pending in the outbox, shown). Neither the SMTP password nor an
 * attendee token ever reaches the log. SQLite: in cluster mode an interrupted attempt waits out
 * its lease (2 min) before another instance retries it, which is the outbox runner's to prove.
 */
import { afterAll, afterEach, expect, test } from 'vitest';
import { createEvent, ok } from './support/fixtures.ts';
import { startServer, stopAll, type TestServer } from './support/server.ts';
import { SmtpReceiver } from './support/smtp-receiver.ts';
import { until } from './support/timeline.ts';

const HOUR = 3_600_000;
const PASSWORD = 'smtp-secret-pw-123';
const iso = (ms: number) => new Date(ms).toISOString();

const receivers: SmtpReceiver[] = [];
afterEach(async () => {
  await stopAll();
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
});
afterAll(stopAll);

async function receiver(): Promise<SmtpReceiver> {
  const r = await new SmtpReceiver({ user: 'kairos', pass: PASSWORD }).start();
  receivers.push(r);
  return r;
}

async function openEvent(server: TestServer): Promise<string> {
  const now = Date.now();
  const event = await createEvent(server, {
    title: 'Delivery',
    registrationOpensAt: iso(now - HOUR),
    registrationClosesAt: iso(now + HOUR),
    startsAt: iso(now + 2 * HOUR),
    endsAt: iso(now + 3 * HOUR),
  });
  return event.id;
}

async function register(server: TestServer, eventId: string, email: string): Promise<{ id: string; token: string }> {
  return (await ok(server.api('POST', `/events/${eventId}/registrations`, { json: { name: 'Attendee', email } }), 201)).json;
}

interface Item {
  id: string;
  kind: string;
  to: string;
  status: string;
  attempts: number;
  sentAt: string | null;
  lastError: string | null;
}

async function outbox(server: TestServer, eventId: string): Promise<Item[]> {
  return (await ok(server.api('GET', `/events/${eventId}/mail`, { token: server.adminToken }), 200)).json.items;
}

test('an SMTP server that refuses, then recovers: the mail is retried with backoff and accepted once', async () => {
  const smtp = await receiver();
  smtp.refuse = 1;
  const server = await startServer({ KAIROS_SMTP_URL: smtp.url, KAIROS_PUBLIC_URL: 'https://kairos.example.test' });
  const eventId = await openEvent(server);
  const r = await register(server, eventId, 'retry@example.test');

  // The refusal is recorded and shown while the mail waits for its next attempt.
  const failed = await until(
    async () => (await outbox(server, eventId)).find((m) => m.attempts === 1 && m.status === 'pending' && m.lastError),
    20_000,
    'a failed first attempt',
  );
  expect(failed.lastError).toContain('451');
  const refusedAt = Date.now();
  const sent = await until(async () => (await outbox(server, eventId)).find((m) => m.status === 'sent'), 30_000, 'the retry');
  expect(sent).toMatchObject({ attempts: 2, lastError: null, kind: 'confirmed', to: 'retry@example.test' });
  // The first retry waits its backoff (5 s after the failed attempt), not a busy loop.
  expect(Date.parse(sent.sentAt ?? '')).toBeGreaterThanOrEqual(refusedAt + 2_000);

  const messageId = `<${sent.id}@kairos.example.test>`;
  expect(smtp.attempts.filter((id) => id === messageId)).toHaveLength(2);
  expect(smtp.accepted.filter((m) => m.messageId === messageId)).toHaveLength(1);
  expect(server.output).not.toContain(PASSWORD);
  expect(server.output).not.toContain(r.token);
}, 120_000);

test('kill -9 between the commit and the SMTP answer: after a restart, exactly one message with that Message-ID', async () => {
  const smtp = await receiver();
  const server = await startServer({ KAIROS_SMTP_URL: smtp.url, KAIROS_PUBLIC_URL: 'https://kairos.example.test' });
  const eventId = await openEvent(server);
  const held = smtp.holdNextMessage();
  const r = await register(server, eventId, 'crash@example.test');
  const messageId = await held;
  // The cause committed (201) and the attempt reached the SMTP server, which has not answered: kill now.
  await server.kill9();
  expect(smtp.accepted).toHaveLength(0);

  await server.start();
  await until(async () => smtp.accepted.some((m) => m.messageId === messageId), 30_000, 'the message after restart');
  const items = await until(
    async () => {
      const all = await outbox(server, eventId);
      return all.every((m) => m.status === 'sent') && all;
    },
    20_000,
    'the outbox row marked sent',
  );
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({ kind: 'confirmed', to: 'crash@example.test', status: 'sent' });
  expect(messageId).toBe(`<${items[0]?.id}@kairos.example.test>`);
  // Give a duplicate every chance to show up before counting.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(smtp.accepted.filter((m) => m.messageId === messageId)).toHaveLength(1);
  expect(smtp.accepted).toHaveLength(1);
  expect(server.output).not.toContain(PASSWORD);
  expect(server.output).not.toContain(r.token);
}, 150_000); // two server starts on a loaded machine

test('without KAIROS_SMTP_URL mails are kept pending in the outbox and shown, not sent', async () => {
  const server = await startServer({});
  const eventId = await openEvent(server);
  await register(server, eventId, 'kept@example.test');
  await register(server, eventId, 'kept2@example.test');
  const items = await outbox(server, eventId);
  expect(items.map((m) => [m.kind, m.to, m.status, m.attempts, m.sentAt])).toEqual([
    ['confirmed', 'kept2@example.test', 'pending', 0, null],
    ['confirmed', 'kept@example.test', 'pending', 0, null],
  ]);
  // Paginated like every list: newest first, a cursor to the rest.
  const first = (await ok(server.api('GET', `/events/${eventId}/mail?limit=1`, { token: server.adminToken }), 200)).json;
  expect(first.items.map((m: Item) => m.to)).toEqual(['kept2@example.test']);
  const rest = (
    await ok(server.api('GET', `/events/${eventId}/mail?limit=1&cursor=${first.nextCursor}`, { token: server.adminToken }), 200)
  ).json;
  expect(rest).toMatchObject({ items: [{ to: 'kept@example.test' }], nextCursor: null });
});
