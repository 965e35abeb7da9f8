// @dialects sqlite postgres
/**
 * Attendees (SPEC §11) over real HTTP against a real `kairos serve` on a real SQLite file:
 * every gate is decided from the dates at the instant of the request (boundaries probed a little
 * before and just after, whatever the scheduler did meanwhile); 50 concurrent registrations for
 * 10 places; promotion in waitlist order; the waitlist expiring at registration close exactly
 * once, even across kill -9; check-in and certificates gated by phase; tokens that open only
 * their own registration; and no email or token in any public answer, public stream or log.
 */
import { randomBytes } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEvent as createEventAs } from './support/fixtures.ts';
import { pdfText } from './support/pdf-text.ts';
import { type ApiResponse, startServer, stopAll, type TestServer } from './support/server.ts';
import { openStream, type Stream } from './support/sse.ts';
import { type Dates, datesBody, fullHistory, ms, sleepUntil, until } from './support/timeline.ts';

/**
 * Two servers, started together: one for the tests that only talk to it, one for the kill -9
 * test. Three started one after the other were 3 of the file's 35 s on SQLite, 5 of 53 on
 * PostgreSQL (loaded). (The kill -9 test on the shared server once hung for 60 s on PostgreSQL,
 * unexplained: it keeps a server of its own, as it always had.) The boundary test stays alone,
 * and judges each probe by when its round trip began and ended: a fixed 150 ms lead once
 * arrived after the instant it was meant to precede, with four test files at a time.
 */
let server: TestServer;
let killed: TestServer;
beforeAll(async () => {
  // The tests register some 80 times from one address: the limit (SPEC §11) is configuration.
  [server, killed] = await Promise.all([startServer({ KAIROS_REGISTRATION_RATE: '1000/1m' }), startServer()]);
});
afterAll(stopAll);

const HOUR = 3600_000;
const tag = () => randomBytes(4).toString('hex');

async function createEvent(
  server: TestServer,
  title: string,
  dates: Dates,
  extra: Record<string, unknown> = {},
  token = server.adminToken,
): Promise<string> {
  return (await createEventAs(server, { title, ...datesBody(dates), ...extra }, token)).id;
}

function register(server: TestServer, eventId: string, name: string, email: string): Promise<ApiResponse> {
  return server.api('POST', `/events/${eventId}/registrations`, { json: { name, email } });
}

async function registered(server: TestServer, eventId: string, name: string, email: string) {
  const r = await register(server, eventId, name, email);
  expect(r.status, r.text).toBe(201);
  return r.json as { id: string; status: string; position: number | null; token: string };
}

const asAttendee = (id: string, token: string, suffix = '') => `/registrations/${id}${suffix}?token=${encodeURIComponent(token)}`;
const errorOf = (r: ApiResponse) => `${r.status} ${r.json?.error?.code ?? r.text.slice(0, 80)}`;

/** Every byte a stream sends, raw: a leak under any message type (or none) shows here. */
function rawStream(server: TestServer, token?: string): { text: () => string; close: () => void } {
  const controller = new AbortController();
  let text = '';
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  void fetch(`${server.url}/api/v1/stream`, { headers, signal: controller.signal })
    .then(async (res) => {
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
    })
    .catch(() => undefined);
  return { text: () => text, close: () => controller.abort() };
}

describe('registration, waitlist, check-in and certificates', () => {
  let publicStream: { text: () => string; close: () => void };
  let adminRaw: { text: () => string; close: () => void };
  let admin: Stream;
  const secrets: string[] = []; // every email and token handed out on this server

  beforeAll(async () => {
    publicStream = rawStream(server);
    adminRaw = rawStream(server, server.adminToken);
    admin = openStream(server.url, { token: server.adminToken });
    await admin.opened;
  });
  afterAll(() => {
    publicStream.close();
    adminRaw.close();
    admin.close();
  });

  test('registration opens and closes at the exact instants of its dates, by the server clock', async () => {
    const opens = Date.now() + 2500;
    const closes = opens + 1500;
    const id = await createEvent(server, 'Boundaries', {
      registrationOpensAt: opens,
      registrationClosesAt: closes,
      startsAt: closes + HOUR,
      endsAt: closes + 2 * HOUR,
    });
    // Probes a little before and just after each boundary, sent on time whatever the others do
    // (and whatever the scheduler did meanwhile). A probe proves something when its whole round
    // trip lay on one side of a boundary (server and test share this machine's clock); one that
    // straddled it under load may get either answer. Each side of each boundary needs a proof.
    const around = (at: number, offsets: number[]) => offsets.map((o) => at + o);
    const times = [...around(opens, [-1000, -400, -150, -50, 5, 50, 150]), ...around(closes, [-400, -150, -50, 5, 50, 150])];
    const probes = await Promise.all(
      times.map(async (at, i) => {
        await sleepUntil(at);
        const email = `boundary-${i}-${tag()}@example.org`;
        secrets.push(email);
        const sent = Date.now();
        const answer = await register(server, id, `Probe ${i}`, email);
        const received = Date.now();
        if (answer.status === 201) secrets.push(answer.json.token);
        const side: 'not_started' | 'open' | 'closed' | 'straddled' =
          received < opens
            ? 'not_started'
            : sent >= opens && received < closes
              ? 'open'
              : sent >= closes
                ? 'closed'
                : 'straddled';
        return { at, side, answer };
      }),
    );

    const shouldBe = {
      not_started: ['409 registration_closed', 'registration_not_started'],
      open: ['201', undefined],
      closed: ['409 registration_closed', 'registration_closed'],
    } as const;
    for (const { side, answer } of probes) {
      const got = answer.status === 201 ? '201' : errorOf(answer);
      if (side === 'straddled') {
        expect(['201', '409 registration_closed'], answer.text).toContain(got);
        continue;
      }
      const [status, phase] = shouldBe[side];
      expect(got, `${side}: ${answer.text}`).toBe(status);
      if (phase) expect(answer.json.error.details).toEqual([{ path: 'phase', message: phase }]);
      if (side === 'not_started') expect(answer.json.error.message).toContain(new Date(opens).toISOString());
      if (side === 'open') expect(answer.json).toMatchObject({ status: 'confirmed', position: null });
    }
    const proved = (side: string, from: number, to: number) => probes.some((p) => p.side === side && p.at >= from && p.at < to);
    expect(proved('not_started', opens - 1000, opens), 'a proof before opening').toBe(true);
    expect(proved('open', opens, opens + 200), 'a proof just after opening').toBe(true);
    expect(proved('open', closes - 400, closes), 'a proof just before closing').toBe(true);
    expect(proved('closed', closes, closes + 200), 'a proof just after closing').toBe(true);

    const event = await server.api('GET', `/events/${id}`);
    const confirmed = probes.filter((p) => p.answer.status === 201).length;
    expect(event.json).toMatchObject({ registered: confirmed, waitlisted: 0, checkedIn: 0 });
  });

  test('50 concurrent registrations for 10 places: 10 confirmed, 40 waitlisted 1–40; cancellations promote in order', async () => {
    const now = Date.now();
    const id = await createEvent(
      server,
      'Ten places',
      { registrationOpensAt: now - HOUR, registrationClosesAt: now + HOUR, startsAt: now + 2 * HOUR, endsAt: now + 3 * HOUR },
      { capacity: 10 },
    );
    const run = tag();
    const emails = Array.from({ length: 50 }, (_, i) => `racer${i}.${run}@example.org`);
    secrets.push(...emails);
    const answers = await Promise.all(emails.map((e, i) => register(server, id, `Racer ${i}`, e)));
    for (const a of answers) expect(a.status, a.text).toBe(201);
    const regs = answers.map((a) => a.json as { id: string; status: string; position: number | null; token: string });
    secrets.push(...regs.map((r) => r.token));

    const confirmed = regs.filter((r) => r.status === 'confirmed');
    const waitlisted = regs.filter((r) => r.status === 'waitlisted').sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    expect(confirmed).toHaveLength(10);
    for (const r of confirmed) expect(r.position).toBeNull();
    expect(waitlisted.map((r) => r.position)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await server.api('GET', `/events/${id}`)).json).toMatchObject({ registered: 10, waitlisted: 40, checkedIn: 0 });

    // One per email, whatever its case and spaces.
    const again = await register(server, id, 'Racer 0 again', `  ${(emails[0] as string).toUpperCase()} `);
    expect(errorOf(again)).toBe('409 already_registered');

    // Three confirmed attendees cancel, one after the other: positions 1, 2, 3 move up, in that order.
    for (const [i, leaver] of confirmed.slice(0, 3).entries()) {
      const del = await server.api('DELETE', asAttendee(leaver.id, leaver.token));
      expect(del.status, del.text).toBe(200);
      expect(del.json).toMatchObject({ id: leaver.id, status: 'cancelled', position: null });
      const promoted = waitlisted[i] as (typeof waitlisted)[number];
      const after = await server.api('GET', asAttendee(promoted.id, promoted.token));
      expect(after.json).toMatchObject({ status: 'confirmed', position: null });
      const next = waitlisted[i + 1] as (typeof waitlisted)[number];
      expect((await server.api('GET', asAttendee(next.id, next.token))).json).toMatchObject({
        status: 'waitlisted',
        position: 1,
      });
    }
    const promotions = await admin.waitFor((m) => {
      const p = m.filter((x) => x.type === 'registration.promoted' && x.data.eventId === id);
      return p.length >= 3 && p;
    }, 5000);
    expect(promotions.map((m) => m.data.registration.id)).toEqual(waitlisted.slice(0, 3).map((r) => r.id));
    expect(promotions[2]?.data.counts).toEqual({ registered: 10, waitlisted: 37, checkedIn: 0 });
    // Registration frames carry no `id:` (Last-Event-ID stays a history seq); history frames all do.
    const frames = adminRaw.text().split('\n\n');
    expect(frames.filter((f) => f.includes('event: registration.promoted'))).toHaveLength(3);
    for (const f of frames.filter((f) => f.includes('event: registration.'))) expect(f).not.toMatch(/^id:/m);
    for (const f of frames.filter((f) => f.includes('event: event.created'))) expect(f).toMatch(/^id: \d+$/m);

    // The rest of the waitlist was renumbered 1–37 in its original order.
    const list = await server.api('GET', `/events/${id}/registrations?limit=200`, { token: server.adminToken });
    expect(list.status, list.text).toBe(200);
    const byId = new Map(list.json.items.map((r: { id: string }) => [r.id, r]));
    expect(waitlisted.slice(3).map((r) => (byId.get(r.id) as { position: number }).position)).toEqual(
      Array.from({ length: 37 }, (_, i) => i + 1),
    );
    expect((await server.api('GET', `/events/${id}`)).json).toMatchObject({ registered: 10, waitlisted: 37, checkedIn: 0 });
    // A cancelled registration cannot be cancelled again.
    const leaver = confirmed[0] as (typeof confirmed)[number];
    expect(errorOf(await server.api('DELETE', asAttendee(leaver.id, leaver.token)))).toBe('409 invalid_state');
  });

  test('check-in only while in progress; certificates only while available and only after a check-in', async () => {
    const t0 = Date.now();
    const dates: Dates = {
      registrationOpensAt: t0 - HOUR,
      registrationClosesAt: t0 + 1500,
      startsAt: t0 + 2000,
      endsAt: t0 + 3500,
      certificatesOpenAt: t0 + 4000,
      certificatesCloseAt: t0 + HOUR,
    };
    const id = await createEvent(server, 'Workshop on Time, at the Café', dates, { capacity: 2, timezone: 'Asia/Kolkata' });
    const run = tag();
    const ada = await registered(server, id, 'Ada Lovelace-Byron', `ada.${run}@example.org`);
    const bob = await registered(server, id, 'Bob Brown', `bob.${run}@example.org`);
    const cy = await registered(server, id, 'Cy Waitlisted', `cy.${run}@example.org`);
    secrets.push(`ada.${run}@example.org`, `bob.${run}@example.org`, `cy.${run}@example.org`, ada.token, bob.token, cy.token);
    expect([ada.status, bob.status, cy.status]).toEqual(['confirmed', 'confirmed', 'waitlisted']);
    const checkIn = (registrationId: string) =>
      server.api('POST', `/events/${id}/checkins`, { token: server.adminToken, json: { registrationId } });
    const certificate = (r: { id: string; token: string }) =>
      server.request('GET', `/api/v1${asAttendee(r.id, r.token, '/certificate.pdf')}`);

    const before = await checkIn(ada.id);
    expect(errorOf(before)).toBe('409 checkin_closed');
    expect(before.json.error.details).toEqual([{ path: 'phase', message: 'registration_open' }]);
    expect(errorOf(await certificate(ada))).toBe('409 certificates_unavailable');
    expect(errorOf(await checkIn('rg_nobody'))).toBe('409 checkin_closed'); // the phase is checked first

    await sleepUntil((dates.startsAt as number) + 5);
    const checked = await checkIn(ada.id);
    expect(checked.status, checked.text).toBe(200);
    expect(checked.json).toMatchObject({ id: ada.id, status: 'confirmed' });
    expect(ms(checked.json.checkedInAt)).toBeGreaterThanOrEqual(dates.startsAt as number);
    const twice = await checkIn(ada.id); // idempotent: a second scan changes nothing
    expect(twice.json.checkedInAt).toBe(checked.json.checkedInAt);
    expect(errorOf(await checkIn(cy.id))).toBe('409 invalid_state'); // the waitlist expired at close
    expect(errorOf(await checkIn('rg_nobody'))).toBe('404 not_found');
    const inProgress = await certificate(ada);
    expect(errorOf(inProgress)).toBe('409 certificates_unavailable');
    expect(inProgress.json.error.details).toEqual([{ path: 'phase', message: 'in_progress' }]);
    expect((await server.api('GET', `/events/${id}`)).json).toMatchObject({ registered: 2, waitlisted: 0, checkedIn: 1 });

    await sleepUntil((dates.endsAt as number) + 5); // ended, certificates not open yet
    expect(errorOf(await checkIn(bob.id))).toBe('409 checkin_closed');
    expect(errorOf(await certificate(ada))).toBe('409 certificates_unavailable');

    await sleepUntil((dates.certificatesOpenAt as number) + 5);
    expect(errorOf(await certificate(bob))).toBe('409 not_checked_in');
    const pdf = await certificate(ada);
    expect(pdf.status, pdf.text.slice(0, 200)).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(
      await (await fetch(`${server.url}/api/v1${asAttendee(ada.id, ada.token, '/certificate.pdf')}`)).arrayBuffer(),
    );
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const doc = await PDFDocument.load(bytes);
    expect(doc.getPageCount()).toBe(1);
    expect(doc.getTitle()).toContain('Ada Lovelace-Byron');
    const text = await pdfText(bytes);
    expect(text).toContain('Ada Lovelace-Byron');
    expect(text).toContain('Workshop on Time, at the Café');
    // The dates in the event's zone (+05:30), not the server's (+05:45) nor UTC.
    const wall = (at: number) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Kolkata', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
        at,
      );
    expect(text).toContain(`${wall(dates.startsAt)} GMT+5:30`);
    expect(text).toContain(`${wall(dates.endsAt)} GMT+5:30`);
  });

  test('a token opens only its own registration; admins and the owning organizer manage the list; nothing private leaks', async () => {
    const password = 'organizer-password-1234';
    const run = tag();
    const makeOrganizer = async (who: string) => {
      const email = `${who}.${run}@staff.example.org`;
      const r = await server.api('POST', '/users', {
        token: server.adminToken,
        json: { email, name: who, role: 'organizer', password },
      });
      expect(r.status, r.text).toBe(201);
      return server.login(email, password);
    };
    const owner = await makeOrganizer('owner');
    const other = await makeOrganizer('other');
    const ownerStream = openStream(server.url, { token: owner });
    const otherStream = openStream(server.url, { token: other });
    await Promise.all([ownerStream.opened, otherStream.opened]);

    const now = Date.now();
    const id = await createEvent(
      server,
      'Organizer’s meetup',
      { registrationOpensAt: now - HOUR, registrationClosesAt: now + HOUR, startsAt: now + 2 * HOUR, endsAt: now + 3 * HOUR },
      {},
      owner,
    );
    expect((await server.api('POST', `/events/${id}/approve`, { token: server.adminToken })).status).toBe(200);

    const emailA = `alice.${run}@example.org`;
    const emailB = `bob.${run}@example.org`;
    const a = await registered(server, id, 'Smith, "Alice"', emailA);
    const b = await registered(server, id, '=HYPERLINK("http://x")', emailB);
    secrets.push(emailA, emailB, a.token, b.token);

    // Tokens: each opens its own registration only; a mismatch reads as 404, never 403.
    expect((await server.api('GET', asAttendee(a.id, a.token))).json).toMatchObject({
      id: a.id,
      email: emailA,
      status: 'confirmed',
    });
    expect(errorOf(await server.api('GET', asAttendee(a.id, b.token)))).toBe('404 not_found');
    expect(errorOf(await server.api('GET', asAttendee(a.id, 'not-a-token')))).toBe('404 not_found');
    expect(errorOf(await server.api('GET', `/registrations/${a.id}`))).toBe('401 unauthenticated');
    expect(errorOf(await server.api('DELETE', asAttendee(a.id, b.token)))).toBe('404 not_found');
    expect(errorOf(await server.api('GET', asAttendee(a.id, b.token, '/certificate.pdf')))).toBe('404 not_found');
    expect((await server.api('GET', asAttendee(a.id, a.token))).json.status).toBe('confirmed'); // still there
    expect(errorOf(await server.api('GET', `/registrations/${a.id}`, { token: other }))).toBe('404 not_found');
    expect((await server.api('GET', `/registrations/${a.id}`, { token: owner })).status).toBe(200);

    // The list: admin and owner; another organizer 403; the public 401.
    expect(errorOf(await server.api('GET', `/events/${id}/registrations`))).toBe('401 unauthenticated');
    expect(errorOf(await server.api('GET', `/events/${id}/registrations`, { token: other }))).toBe('403 forbidden');
    const list = await server.api('GET', `/events/${id}/registrations`, { token: owner });
    expect(list.status, list.text).toBe(200);
    expect(list.json.items.map((r: { email: string }) => r.email).sort()).toEqual([emailA, emailB].sort());
    expect(JSON.stringify(list.json)).not.toMatch(/token/i);
    const csv = await server.api('GET', `/events/${id}/registrations?format=csv`, { token: server.adminToken });
    expect(csv.status, csv.text).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toBe('id,name,email,status,position,checkedInAt,createdAt');
    expect(lines).toHaveLength(4); // header, two records, the empty string after the last CRLF
    const line = (rid: string) => lines.find((l) => l.startsWith(`${rid},`)) ?? '';
    const createdA = list.json.items.find((r: { id: string }) => r.id === a.id).createdAt;
    expect(line(a.id)).toBe(`${a.id},"Smith, ""Alice""",${emailA},confirmed,,,${createdA}`);
    expect(line(b.id)).toMatch(/^rg_[\w-]+,"'=HYPERLINK\(""http:\/\/x""\)",bob\./);

    // Check-in is the organizer's too; another organizer may not.
    expect(errorOf(await server.api('POST', `/events/${id}/checkins`, { token: other, json: { registrationId: a.id } }))).toBe(
      '403 forbidden',
    );

    // Streams: the owner hears of registrations (without emails), another organizer does not.
    const created = await ownerStream.waitFor((m) => {
      const c = m.filter((x) => x.type === 'registration.created' && x.data.eventId === id);
      return c.length >= 2 && c;
    }, 5000);
    expect(created.map((m) => m.data.registration.id)).toEqual([a.id, b.id]);
    expect(created[0]?.data.registration).not.toHaveProperty('email');
    expect(otherStream.messages.filter((m) => m.type.startsWith('registration.'))).toEqual([]);
    ownerStream.close();
    otherStream.close();

    // Nothing private in public answers, the public stream, any stream, or the log.
    const publicEvent = await server.api('GET', `/events/${id}`);
    expect(publicEvent.json).toMatchObject({ registered: 2, waitlisted: 0, checkedIn: 0 });
    const publicList = await server.api('GET', '/events?limit=200');
    await until(async () => server.output.includes('"url":"/api/v1/registrations/'), 2000, 'request log');
    const everything = [admin.messages, ownerStream.messages].map((m) => JSON.stringify(m)).join('\n');
    for (const secret of secrets) {
      expect(publicEvent.text).not.toContain(secret);
      expect(publicList.text).not.toContain(secret);
      expect(publicStream.text()).not.toContain(secret);
      expect(everything).not.toContain(secret);
      expect(server.output).not.toContain(secret);
    }
    expect(publicStream.text()).not.toContain('registration.');
    expect(publicStream.text()).toContain('event: event.created'); // the public stream did work meanwhile
    expect(server.output).not.toContain('token=');
  });
});

test('at registration close the waitlist expires in the trigger’s transaction, exactly once, even across kill -9', async () => {
  const server = killed;
  const admin = openStream(server.url, { token: server.adminToken });
  await admin.opened;
  const t0 = Date.now();
  const run = tag();
  const timeline = (closesAt: number): Dates => ({
    registrationOpensAt: t0 - HOUR,
    registrationClosesAt: closesAt,
    startsAt: t0 + HOUR,
    endsAt: t0 + 2 * HOUR,
  });
  const live = timeline(t0 + 2500); // closes while the server runs
  const crashed = timeline(t0 + 5000); // closes while the server is dead
  const liveId = await createEvent(server, 'Closes live', live, { capacity: 1 });
  const crashedId = await createEvent(server, 'Closes while down', crashed, { capacity: 1 });
  const fill = async (eventId: string, n: number) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await registered(server, eventId, `Person ${i}`, `p${i}.${eventId}.${run}@example.org`));
    return out;
  };
  const liveRegs = await fill(liveId, 3);
  const crashedRegs = await fill(crashedId, 4);
  expect(liveRegs.map((r) => r.status)).toEqual(['confirmed', 'waitlisted', 'waitlisted']);
  expect(crashedRegs.map((r) => r.position)).toEqual([null, 1, 2, 3]);
  const read = (r: { id: string; token: string }) => server.api('GET', asAttendee(r.id, r.token)).then((x) => x.json);

  // On time: both waitlisted registrations expire with the close, and the stream says so once each.
  const expired = await admin.waitFor((m) => {
    const e = m.filter((x) => x.type === 'registration.expired' && x.data.eventId === liveId);
    return e.length >= 2 && e;
  }, 5000);
  expect(expired.map((m) => m.data.registration.id)).toEqual(liveRegs.slice(1).map((r) => r.id));
  expect(ms(expired[0]?.data.at)).toBeGreaterThanOrEqual(live.registrationClosesAt as number);
  expect((await read(liveRegs[0] as (typeof liveRegs)[number])).status).toBe('confirmed');
  for (const r of liveRegs.slice(1)) expect(await read(r)).toMatchObject({ status: 'expired', position: null });
  admin.close();

  // The other event's close passes while the server is dead.
  await server.kill9();
  expect(Date.now()).toBeLessThan(crashed.registrationClosesAt as number);
  await sleepUntil((crashed.registrationClosesAt as number) + 300);
  await server.start(); // ready only after recovery fired what it missed

  const afterRecovery = await Promise.all(crashedRegs.map(read));
  expect(afterRecovery.map((r) => r.status)).toEqual(['confirmed', 'expired', 'expired', 'expired']);
  for (const r of afterRecovery.slice(1)) {
    expect(r.position).toBeNull();
    expect(ms(r.updatedAt)).toBeGreaterThanOrEqual(crashed.registrationClosesAt as number);
  }
  const closeEntries = (await fullHistory(server, crashedId)).filter((h) => h.trigger === 'registration_close');
  expect(closeEntries).toMatchObject([{ cause: 'recovery', to: { phase: 'registration_closed' } }]);
  expect((await server.api('GET', `/events/${crashedId}`)).json).toMatchObject({ registered: 1, waitlisted: 0 });

  // A second restart changes nothing: no second firing, no second expiry.
  await server.restart();
  expect(await Promise.all(crashedRegs.map(read))).toEqual(afterRecovery);
  expect((await fullHistory(server, crashedId)).filter((h) => h.trigger === 'registration_close')).toHaveLength(1);
  expect((await Promise.all(liveRegs.map(read))).map((r) => r.status)).toEqual(['confirmed', 'expired', 'expired']);
});

describe('the waitlist follows edits of the event', () => {
  const statuses = async (eventId: string) => {
    const r = await server.api('GET', `/events/${eventId}/registrations`, { token: server.adminToken });
    return Object.fromEntries(
      (r.json.items as Array<{ name: string; status: string; position: number | null }>).map((x) => [
        x.name,
        x.position ? `${x.status} ${x.position}` : x.status,
      ]),
    );
  };
  const open = () => {
    const now = Date.now();
    return {
      registrationOpensAt: now - 60_000,
      registrationClosesAt: now + HOUR,
      startsAt: now + 2 * HOUR,
      endsAt: now + 3 * HOUR,
    };
  };

  test('raising the capacity promotes the waitlist in order, and a newcomer never jumps it', async () => {
    const id = await createEvent(server, `capacity-${tag()}`, open(), { capacity: 1 });
    for (const name of ['a', 'b', 'c']) await registered(server, id, name, `${name}-${tag()}@example.org`);
    expect(await statuses(id)).toEqual({ a: 'confirmed', b: 'waitlisted 1', c: 'waitlisted 2' });

    const patched = await server.api('PATCH', `/events/${id}`, { token: server.adminToken, json: { capacity: 2 } });
    expect(patched.json).toMatchObject({ registered: 2, waitlisted: 1 });
    expect(await statuses(id)).toEqual({ a: 'confirmed', b: 'confirmed', c: 'waitlisted 1' });

    // The event is full again with c waiting: d waits behind c.
    const d = await registered(server, id, 'd', `d-${tag()}@example.org`);
    expect(d).toMatchObject({ status: 'waitlisted', position: 2 });
  });

  test('an edit that closes registration expires the waitlist in its own transaction', async () => {
    const id = await createEvent(server, `close-by-edit-${tag()}`, open(), { capacity: 1 });
    for (const name of ['a', 'b']) await registered(server, id, name, `${name}-${tag()}@example.org`);
    const patched = await server.api('PATCH', `/events/${id}`, {
      token: server.adminToken,
      json: { registrationClosesAt: new Date(Date.now() - 1000).toISOString() },
    });
    expect(patched.json).toMatchObject({ phase: 'registration_closed', registered: 1, waitlisted: 0 });
    expect(await statuses(id)).toEqual({ a: 'confirmed', b: 'expired' });
  });

  test('cancelling the event expires its waitlist too', async () => {
    const id = await createEvent(server, `cancel-${tag()}`, open(), { capacity: 1 });
    for (const name of ['a', 'b']) await registered(server, id, name, `${name}-${tag()}@example.org`);
    const cancelled = await server.api('POST', `/events/${id}/cancel`, {
      token: server.adminToken,
      json: { reason: 'venue flooded' },
    });
    expect(cancelled.json).toMatchObject({ status: 'cancelled', waitlisted: 0 });
    expect((await statuses(id)).b).toBe('expired');
  });
});
