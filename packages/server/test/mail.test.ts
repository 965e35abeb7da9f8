// @dialects sqlite postgres
/**
 * Attendee e-mail (SPEC §14) end to end: a real `kairos serve` sends through nodemailer to a real
 * SMTP server run in this test. Every kind of mail arrives once, to the right attendee, with the
 * dates in the event's zone and its name, and with the link that holds the attendee's own token;
 * the reminder is a trigger that appears with the first confirmed attendee, is moved by an edit
 * (dry run included), fires once at its instant with no history entry and no status change, and
 * is removed by losing the last attendee and by cancelling; `kairos doctor` stays clean throughout.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEvent, ok } from './support/fixtures.ts';
import { rawRows, rawSql } from './support/raw-sql.ts';
import { runCli, startServer, stopAll, type TestServer } from './support/server.ts';
import { SmtpReceiver } from './support/smtp-receiver.ts';
import { until } from './support/timeline.ts';

const PUBLIC_URL = 'https://events.example.test';
const HOUR = 3_600_000;
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

let server: TestServer;
let smtp: SmtpReceiver;

beforeAll(async () => {
  smtp = await new SmtpReceiver().start();
  server = await startServer({
    KAIROS_SMTP_URL: smtp.url,
    KAIROS_PUBLIC_URL: PUBLIC_URL,
    KAIROS_MAIL_FROM: 'Events <events@example.test>',
  });
});
afterAll(async () => {
  await stopAll();
  await smtp.stop();
});

interface Registered {
  id: string;
  status: string;
  position: number | null;
  token: string;
}

async function register(eventId: string, name: string, email: string): Promise<Registered> {
  return (await ok(server.api('POST', `/events/${eventId}/registrations`, { json: { name, email } }), 201)).json as Registered;
}

const attendeeLink = (r: Registered) => `${PUBLIC_URL}/registrations/${r.id}?token=${encodeURIComponent(r.token)}`;

/** The one accepted mail to `to` whose subject matches, once it has arrived. */
async function mailTo(to: string, subject: RegExp, timeoutMs = 20_000) {
  return until(async () => smtp.to(to).find((m) => subject.test(m.subject)), timeoutMs, `mail to ${to} ${subject}`);
}

/** The event's reminder row in the triggers table (behind the API's back), as an instant. */
async function reminderRow(eventId: string): Promise<number | null> {
  const rows = await rawRows<{ due_at: number | string }>(
    server.dbPath,
    `select due_at from triggers where event_id = ? and trigger = 'reminder'`,
    eventId,
  );
  return rows[0] ? Number(rows[0].due_at) : null;
}

async function doctorIsClean(): Promise<void> {
  const r = await runCli(['doctor', '--json'], { KAIROS_DB: server.dbPath });
  expect(r.stdout, r.stderr).toContain('"ok":true');
  expect(r.code).toBe(0);
}

/**
 * The mails that wait for an instant (an expiry at close, the certificate, the reminder) wait at
 * the same time: each test has its own event and addresses, and the doctor's grace (5 s) covers a
 * trigger firing while the reminder test runs it. Serial, they were 13 of the file's 16 s (SQLite)
 * and 18 of 25 s (PostgreSQL); the tests that break rows behind the server's back stay serial below.
 */
describe.concurrent('registration mails', () => {
  test('confirmed, waitlisted with position, promoted and expired: once each, zone-formatted, with the attendee link', async () => {
    const now = Date.now();
    const event = await createEvent(server, {
      title: 'Zoned launch',
      timezone: 'America/New_York',
      capacity: 1,
      reminderMinutesBefore: null,
      registrationOpensAt: iso(now - HOUR),
      registrationClosesAt: iso(now + HOUR),
      startsAt: '2027-01-10T15:00:00.000Z',
      endsAt: '2027-01-10T17:00:00.000Z',
    });
    const ann = await register(event.id, 'Ann', 'ann@example.test');
    const bob = await register(event.id, 'Bob', 'bob@example.test');
    const cat = await register(event.id, 'Cat', 'cat@example.test');
    expect([ann.status, bob.position, cat.position]).toEqual(['confirmed', 1, 2]);

    const confirmed = await mailTo('ann@example.test', /confirmed/);
    // 15:00 UTC in January is 10:00 in New York (EST); the zone's name follows the date.
    expect(confirmed.text).toMatch(/10 Jan 2027, 10:00 GMT-5 \(America\/New_York\)/);
    expect(confirmed.html).toContain('10 Jan 2027, 10:00 GMT-5 (America/New_York)');
    expect(confirmed.text).toContain(attendeeLink(ann));
    expect(confirmed.from).toBe('events@example.test');
    expect(confirmed.messageId).toMatch(/^<ml_[\w-]+@events\.example\.test>$/);

    const waitlisted = await mailTo('bob@example.test', /waitlist/);
    expect(waitlisted.subject).toContain('position 1');
    expect(waitlisted.text).toContain(attendeeLink(bob));
    expect((await mailTo('cat@example.test', /waitlist/)).subject).toContain('position 2');
    // The link opens the attendee's own registration.
    const link = new URL(attendeeLink(bob));
    await ok(server.api('GET', `/registrations/${bob.id}${link.search}`), 200);

    await ok(server.api('DELETE', `/registrations/${ann.id}?token=${encodeURIComponent(ann.token)}`), 200);
    const promoted = await mailTo('bob@example.test', /is now yours/);
    expect(promoted.text).toContain(attendeeLink(bob));

    // Registration closes 1.5 s from now (an edit moves its trigger): Cat's place on the waitlist
    // expires with it. (A close fixed at creation had to leave room for all of the above on a
    // loaded machine: 8 s, mostly idle.)
    const closesAt = Date.now() + 1500;
    await ok(
      server.api('PATCH', `/events/${event.id}`, { token: server.adminToken, json: { registrationClosesAt: iso(closesAt) } }),
      200,
    );
    expect(smtp.to('cat@example.test').filter((m) => /has closed/.test(m.subject))).toEqual([]);
    const expired = await mailTo('cat@example.test', /has closed/, 30_000);
    expect(expired.receivedAt).toBeGreaterThanOrEqual(closesAt);

    const outbox = (await ok(server.api('GET', `/events/${event.id}/mail`, { token: server.adminToken }), 200)).json;
    const kinds = outbox.items.map((m: { kind: string; to: string }) => `${m.kind}:${m.to}`).sort();
    expect(kinds).toEqual([
      'confirmed:ann@example.test',
      'expired:cat@example.test',
      'promoted:bob@example.test',
      'waitlisted:bob@example.test',
      'waitlisted:cat@example.test',
    ]);
    await until(
      async () => {
        const r = await server.api('GET', `/events/${event.id}/mail`, { token: server.adminToken });
        return r.json.items.every((m: { status: string }) => m.status === 'sent');
      },
      20_000,
      'every mail sent',
    );
    // Never the bodies (they hold the attendee's link); public and unknown events as the rest of the API.
    expect(JSON.stringify(outbox)).not.toContain(bob.token);
    expect((await server.api('GET', `/events/${event.id}/mail`)).status).toBe(401);
    expect((await server.api('GET', '/events/ev_nope/mail', { token: server.adminToken })).status).toBe(404);
    // Exactly once each: five causes, five messages, five distinct Message-IDs.
    const mine = smtp.accepted.filter((m) => /@example\.test$/.test(m.to) && /^(ann|bob|cat)@/.test(m.to));
    expect(mine).toHaveLength(5);
    expect(new Set(mine.map((m) => m.messageId)).size).toBe(5);
  });

  test('cancelling the event mails every confirmed and waitlisted attendee, with the reason', async () => {
    const now = Date.now();
    const event = await createEvent(server, {
      title: 'Cancelled gala',
      timezone: 'Asia/Kolkata',
      capacity: 1,
      registrationOpensAt: iso(now - HOUR),
      registrationClosesAt: iso(now + HOUR),
      startsAt: iso(now + 2 * HOUR),
      endsAt: iso(now + 3 * HOUR),
    });
    await register(event.id, 'Dee', 'dee@example.test');
    await register(event.id, 'Eve', 'eve@example.test');
    await ok(
      server.api('POST', `/events/${event.id}/cancel`, { token: server.adminToken, json: { reason: 'Venue flooded' } }),
      200,
    );
    for (const to of ['dee@example.test', 'eve@example.test']) {
      const m = await mailTo(to, /is cancelled/);
      expect(m.text).toContain('Reason: Venue flooded');
      expect(m.text).toContain('(Asia/Kolkata)');
    }
    // Eve's place expired with the cancellation: she hears of the cancellation, not of an expiry.
    expect(
      smtp
        .to('eve@example.test')
        .map((m) => m.subject)
        .filter((s) => /has closed/.test(s)),
    ).toEqual([]);
  });

  test('certificate mail at certificates_open, only to the checked-in attendee, with a working certificate link', async () => {
    const now = Date.now();
    const event = await createEvent(server, {
      title: 'Workshop',
      timezone: 'Europe/Berlin',
      registrationOpensAt: iso(now - HOUR),
      registrationClosesAt: iso(now + HOUR),
      startsAt: iso(now + 2 * HOUR),
      endsAt: iso(now + 3 * HOUR),
      certificatesOpenAt: iso(now + 3 * HOUR),
      certificatesCloseAt: iso(now + 30 * 24 * HOUR),
    });
    const fay = await register(event.id, 'Fay', 'fay@example.test');
    await register(event.id, 'Gus', 'gus@example.test');
    // An edit moves the event into progress (dates in the past apply at once); Fay checks in.
    const t = Date.now();
    await ok(
      server.api('PATCH', `/events/${event.id}`, {
        token: server.adminToken,
        json: { registrationOpensAt: iso(t - 3 * HOUR), registrationClosesAt: iso(t - 2 * HOUR), startsAt: iso(t - 2 * HOUR) },
      }),
      200,
    );
    await ok(
      server.api('POST', `/events/${event.id}/checkins`, { token: server.adminToken, json: { registrationId: fay.id } }),
      200,
    );
    const opensAt = Date.now() + 3_000;
    await ok(
      server.api('PATCH', `/events/${event.id}`, {
        token: server.adminToken,
        json: { endsAt: iso(opensAt), certificatesOpenAt: iso(opensAt) },
      }),
      200,
    );
    const m = await mailTo('fay@example.test', /certificate/);
    expect(m.receivedAt).toBeGreaterThanOrEqual(opensAt);
    const url = new URL(/https:\/\/events\.example\.test\/api\/v1\/registrations\/\S+/.exec(m.text)?.[0] ?? '');
    expect(url.pathname).toBe(`/api/v1/registrations/${fay.id}/certificate.pdf`);
    const pdf = await server.request('GET', `${url.pathname}${url.search}`);
    expect(pdf.status).toBe(200);
    expect(smtp.to('gus@example.test').filter((x) => /certificate/.test(x.subject))).toEqual([]);
  });
});

describe.concurrent('the reminder trigger, beside the mails above', () => {
  test('appears with the first confirmed attendee, is moved by an edit, fires once at its instant, changes no state', async () => {
    const now = Date.now();
    const event = await createEvent(server, {
      title: 'Reminded talk',
      timezone: 'Asia/Kathmandu',
      reminderMinutesBefore: 1,
      registrationOpensAt: iso(now - HOUR),
      registrationClosesAt: iso(now + 30_000),
      startsAt: iso(now + MINUTE + 60_000),
      endsAt: iso(now + HOUR),
    });
    expect(event.reminderMinutesBefore).toBe(1);
    expect(await reminderRow(event.id)).toBeNull(); // nobody to remind yet
    await register(event.id, 'Hal', 'hal@example.test');
    expect(await reminderRow(event.id)).toBe(Date.parse(event.startsAt) - MINUTE);

    // The dry run names the move; the edit makes it, in its own transaction.
    // The reminder falls due 4 s from now: the dry run, the edit and the reads below took 0.7 s
    // beside the other mail tests at load average 7 (it was 6 s, the longest wait of the file).
    const startsAt = Date.now() + MINUTE + 4_000;
    const dry = await ok(
      server.api('PATCH', `/events/${event.id}?dryRun=true`, { token: server.adminToken, json: { startsAt: iso(startsAt) } }),
      200,
    );
    expect(dry.json.effects.triggers).toContainEqual({
      trigger: 'reminder',
      change: 'moved',
      from: iso(Date.parse(event.startsAt) - MINUTE),
      to: iso(startsAt - MINUTE),
    });
    await ok(server.api('PATCH', `/events/${event.id}`, { token: server.adminToken, json: { startsAt: iso(startsAt) } }), 200);
    const dueAt = startsAt - MINUTE;
    expect(await reminderRow(event.id)).toBe(dueAt);
    const sched = (await ok(server.api('GET', '/scheduler', { token: server.adminToken }), 200)).json;
    expect(sched.upcoming).toContainEqual(expect.objectContaining({ eventId: event.id, trigger: 'reminder', dueAt: iso(dueAt) }));
    expect(Date.now(), 'the edit and the reads took longer than the lead').toBeLessThan(dueAt);
    console.info(`reminder set ${dueAt - Date.now()} ms before it falls due`);

    const m = await mailTo('hal@example.test', /^Reminder/, 30_000);
    expect(m.receivedAt).toBeGreaterThanOrEqual(dueAt);
    expect(m.text).toContain('(Asia/Kathmandu)');
    expect(await reminderRow(event.id)).toBeNull();
    const after = (await ok(server.api('GET', `/events/${event.id}`), 200)).json;
    expect(after.status).toBe('upcoming');
    // No history entry: no `reminder` trigger, nothing at the reminder's instant (the close at +30 s may have fired).
    const history = (await ok(server.api('GET', `/events/${event.id}/history`, { token: server.adminToken }), 200)).json.items;
    expect(history.map((h: { trigger: string | null }) => h.trigger)).not.toContain('reminder');
    expect(history.map((h: { dueAt: string | null }) => h.dueAt)).not.toContain(iso(dueAt));
    const fired = (await ok(server.api('GET', '/scheduler', { token: server.adminToken }), 200)).json.recent;
    expect(fired).toContainEqual(expect.objectContaining({ eventId: event.id, trigger: 'reminder', changed: false }));
    await doctorIsClean();
    expect(smtp.to('hal@example.test').filter((x) => /^Reminder/.test(x.subject))).toHaveLength(1);
  }, 120_000); // a doctor run takes a while on a loaded machine
});

describe('the reminder trigger', () => {
  test('losing the last confirmed attendee removes it; cancelling the event removes it; no reminder goes out', async () => {
    const now = Date.now();
    const event = await createEvent(server, {
      title: 'Never reminded',
      reminderMinutesBefore: 60,
      registrationOpensAt: iso(now - HOUR),
      registrationClosesAt: iso(now + HOUR),
      startsAt: iso(now + 2 * HOUR),
      endsAt: iso(now + 3 * HOUR),
    });
    const ivy = await register(event.id, 'Ivy', 'ivy@example.test');
    expect(await reminderRow(event.id)).toBe(now + HOUR + (Date.parse(event.startsAt) - now - 2 * HOUR));
    await ok(server.api('DELETE', `/registrations/${ivy.id}?token=${encodeURIComponent(ivy.token)}`), 200);
    expect(await reminderRow(event.id)).toBeNull();
    await register(event.id, 'Jon', 'jon@example.test');
    expect(await reminderRow(event.id)).not.toBeNull();
    // An edit to no reminder removes it too; back to one re-creates it.
    await ok(
      server.api('PATCH', `/events/${event.id}`, { token: server.adminToken, json: { reminderMinutesBefore: null } }),
      200,
    );
    expect(await reminderRow(event.id)).toBeNull();
    await ok(server.api('PATCH', `/events/${event.id}`, { token: server.adminToken, json: { reminderMinutesBefore: 30 } }), 200);
    expect(await reminderRow(event.id)).toBe(Date.parse(event.startsAt) - 30 * MINUTE);
    await ok(
      server.api('POST', `/events/${event.id}/cancel`, { token: server.adminToken, json: { reason: 'Speaker ill' } }),
      200,
    );
    expect(await reminderRow(event.id)).toBeNull();
    await doctorIsClean();
  }, 120_000);

  test('doctor expects the reminder row where it belongs: a lost one is missing, one without attendees stale; --fix repairs both', async () => {
    const now = Date.now();
    const dates = {
      registrationOpensAt: iso(now - HOUR),
      registrationClosesAt: iso(now + HOUR),
      startsAt: iso(now + 3 * HOUR),
      endsAt: iso(now + 4 * HOUR),
      reminderMinutesBefore: 60,
    };
    const attended = await createEvent(server, { title: 'Attended', ...dates });
    const empty = await createEvent(server, { title: 'Empty', ...dates });
    await register(attended.id, 'Kim', 'kim@example.test');
    const dueAt = Date.parse(attended.startsAt) - HOUR;
    expect(await reminderRow(attended.id)).toBe(dueAt);
    await rawSql(server.dbPath, `delete from triggers where event_id = ? and trigger = 'reminder'`, attended.id);
    await rawSql(server.dbPath, `insert into triggers (event_id, trigger, due_at) values (?, 'reminder', ?)`, empty.id, dueAt);

    const r = await runCli(['doctor', '--fix', '--json'], { KAIROS_DB: server.dbPath });
    const report = JSON.parse(r.stdout);
    const mine = report.problems.filter((p: { eventId: string }) => p.eventId === attended.id || p.eventId === empty.id);
    expect(mine.map((p: { kind: string; eventId: string; trigger: string }) => [p.kind, p.eventId, p.trigger]).sort()).toEqual(
      [
        ['missing_trigger', attended.id, 'reminder'],
        ['stale_trigger', empty.id, 'reminder'],
      ].sort(),
    );
    expect(await reminderRow(attended.id)).toBe(dueAt);
    expect(await reminderRow(empty.id)).toBeNull();
  }, 120_000);

  test('reminderMinutesBefore is validated with one rule (0–43 200 or null), defaulting to 1 440', async () => {
    const now = Date.now();
    const base = { title: 'Rules', startsAt: iso(now + 2 * HOUR), endsAt: iso(now + 3 * HOUR) };
    expect((await createEvent(server, base)).reminderMinutesBefore).toBe(1440);
    for (const bad of [-1, 43_201, 1.5, '60']) {
      const r = await server.api('POST', '/events', { token: server.adminToken, json: { ...base, reminderMinutesBefore: bad } });
      expect(r.status, r.text).toBe(400);
      expect(r.json.error.details[0].path).toBe('reminderMinutesBefore');
    }
    expect((await createEvent(server, { ...base, reminderMinutesBefore: 0 })).reminderMinutesBefore).toBe(0);
    expect((await createEvent(server, { ...base, reminderMinutesBefore: 43_200 })).reminderMinutesBefore).toBe(43_200);
  });
});
