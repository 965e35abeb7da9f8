/**
 * Calendar feeds (SPEC §13) over real HTTP against a real `kairos serve`, read back with an
 * independent parser (ical.js): every instant equals the API's, in zones with DST (on both sides
 * of a transition), a +05:45 zone and UTC; UIDs stay, SEQUENCE grows, cancellations say so; text
 * survives escaping; no line exceeds 75 octets nor splits a UTF-8 sequence; drafts stay private.
 */
import { toWallTime } from '@kairos/core';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { addOrganizer, createEvent, ok } from './support/fixtures.ts';
import { startServer, stopAll, type TestServer } from './support/server.ts';

let server: TestServer;
const PUBLIC_URL = 'https://events.example.org';

beforeAll(async () => {
  server = await startServer({ KAIROS_PUBLIC_URL: PUBLIC_URL });
});
afterAll(stopAll);

interface Parsed {
  raw: string;
  vcalendar: ICAL.Component;
  events: Map<string, ICAL.Event>;
}

/** Parse with ical.js, registering the document's own VTIMEZONEs (and only those) first. */
function parse(raw: string): Parsed {
  const vcalendar = new ICAL.Component(ICAL.parse(raw));
  ICAL.TimezoneService.reset();
  for (const tz of vcalendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
  const events = new Map<string, ICAL.Event>();
  for (const v of vcalendar.getAllSubcomponents('vevent')) {
    const e = new ICAL.Event(v);
    events.set(e.uid, e);
  }
  return { raw, vcalendar, events };
}

async function feed(query = ''): Promise<Parsed> {
  const r = await ok(server.api('GET', `/calendar.ics${query}`), 200);
  expect(r.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
  return parse(r.text);
}

const uidOf = (id: string) => `${id}@events.example.org`;
const instant = (t: ICAL.Time) => t.toJSDate().toISOString();

function veventLines(raw: string, uid: string): string[] {
  const unfolded = raw.replace(/\r\n[ \t]/g, '');
  const block = unfolded.split('BEGIN:VEVENT').find((b) => b.includes(`UID:${uid}\r\n`)) ?? '';
  return block.split('\r\n');
}

describe('instants', () => {
  // Each: the zone, a start and an end as wall times (the API reads them in the zone).
  const CASES = [
    // Berlin: starts in CET, ends in CEST (clocks jump 02:00 → 03:00 on 28 March 2027).
    ['Europe/Berlin', '2027-03-28T01:30', '2027-03-28T03:30'],
    // New York: starts in EDT, ends in EST (clocks go back 02:00 → 01:00 on 7 November 2027).
    ['America/New_York', '2027-11-07T00:30', '2027-11-07T03:00'],
    ['Asia/Kathmandu', '2027-01-15T09:15', '2027-01-15T17:45'],
    // Lord Howe: a 30-minute shift (02:00 → 01:30 on 4 April 2027); 01:15 and 02:15 each happen once.
    ['Australia/Lord_Howe', '2027-04-04T01:15', '2027-04-04T02:15'],
    ['Asia/Kolkata', '2027-06-01T10:00', '2027-06-01T12:30'],
    ['UTC', '2027-06-01T10:00', '2027-06-01T12:30'],
  ] as const;

  test('DTSTART and DTEND carry the event zone and read back as the API instants; one VTIMEZONE per zone', async () => {
    const created = [];
    for (const [timezone, startsAt, endsAt] of CASES) {
      created.push(await createEvent(server, { title: `In ${timezone}`, timezone, startsAt, endsAt }));
    }
    // A second Berlin event: its zone must not get a second VTIMEZONE.
    created.push(
      await createEvent(server, {
        title: 'Berlin again',
        timezone: 'Europe/Berlin',
        startsAt: '2027-10-31T01:30',
        endsAt: '2027-10-31T04:00',
      }),
    );
    const doc = await feed();
    expect(doc.raw.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(doc.vcalendar.getFirstPropertyValue('version')).toBe('2.0');
    expect(String(doc.vcalendar.getFirstPropertyValue('prodid'))).toMatch(/Kairos/);
    const zones = doc.vcalendar.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'));
    expect([...zones].sort()).toEqual([...new Set(zones)].sort());
    for (const z of ['Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Asia/Kolkata']) {
      expect(zones).toContain(z);
    }

    for (const e of created) {
      const parsed = doc.events.get(uidOf(e.id));
      expect(parsed, e.title).toBeDefined();
      if (!parsed) continue;
      expect(instant(parsed.startDate), e.title).toBe(e.startsAt);
      expect(instant(parsed.endDate), e.title).toBe(e.endsAt);
      const lines = veventLines(doc.raw, uidOf(e.id));
      const wall = (iso: string) => toWallTime(Date.parse(iso), e.timezone).replace(/[-:]/g, '');
      if (e.timezone === 'UTC') {
        expect(lines).toContain(`DTSTART:${wall(e.startsAt)}00Z`);
      } else {
        expect(lines).toContain(`DTSTART;TZID=${e.timezone}:${wall(e.startsAt)}00`);
        expect(lines).toContain(`DTEND;TZID=${e.timezone}:${wall(e.endsAt)}00`);
        expect(parsed.startDate.zone?.tzid).toBe(e.timezone);
      }
      expect(parsed.summary).toBe(e.title);
      expect(String(parsed.component.getFirstPropertyValue('url'))).toBe(`${PUBLIC_URL}/events/${e.id}`);
      expect(parsed.component.getFirstPropertyValue('status')).toBe('CONFIRMED');
      expect(parsed.component.getFirstPropertyValue('dtstamp')).toBeTruthy();
    }
  });

  test('a wall time that happens twice: the first occurrence is written with TZID, the second in UTC', async () => {
    // 01:30 on 7 Nov 2027 happens twice in New York. RFC 5545 §3.3.5 reads a repeated wall time
    // as its first occurrence (ical.js takes the second, so the line itself is checked here).
    const first = await createEvent(server, {
      title: 'First 01:30',
      timezone: 'America/New_York',
      startsAt: '2027-11-07T01:30',
      endsAt: '2027-11-07T04:00',
    });
    expect(first.startsAt).toBe('2027-11-07T05:30:00.000Z');
    const second = await createEvent(server, {
      title: 'Second 01:30',
      timezone: 'America/New_York',
      startsAt: '2027-11-07T01:30:00-05:00',
      endsAt: '2027-11-07T04:00',
    });
    expect(second.startsAt).toBe('2027-11-07T06:30:00.000Z');
    const doc = await feed();
    expect(veventLines(doc.raw, uidOf(first.id))).toContain('DTSTART;TZID=America/New_York:20271107T013000');
    expect(veventLines(doc.raw, uidOf(second.id))).toContain('DTSTART:20271107T063000Z');
    expect(instant(doc.events.get(uidOf(second.id))?.startDate as ICAL.Time)).toBe(second.startsAt);
  });

  test('?from=&to= select as GET /events does', async () => {
    const a = await createEvent(server, { title: 'Window A', startsAt: '2030-01-10T10:00:00Z', endsAt: '2030-01-10T11:00:00Z' });
    const b = await createEvent(server, { title: 'Window B', startsAt: '2030-02-10T10:00:00Z', endsAt: '2030-02-10T11:00:00Z' });
    const q = '?from=2030-01-01T00:00:00Z&to=2030-02-01T00:00:00Z';
    const doc = await feed(q);
    const list = (await ok(server.api('GET', `/events${q}`), 200)).json.items.map((e: { id: string }) => uidOf(e.id));
    expect([...doc.events.keys()].sort()).toEqual([...list].sort());
    expect(doc.events.has(uidOf(a.id))).toBe(true);
    expect(doc.events.has(uidOf(b.id))).toBe(false);
    expect((await server.api('GET', '/calendar.ics?from=yesterday')).status).toBe(400);
  });
});

test('the UID stays across edits, SEQUENCE grows with each, and a cancellation reads CANCELLED', async () => {
  const e = await createEvent(server, {
    title: 'Seq',
    timezone: 'Asia/Kathmandu',
    startsAt: '2028-03-01T10:00',
    endsAt: '2028-03-01T12:00',
  });
  const seq = async () => {
    const got = (await feed()).events.get(uidOf(e.id));
    return {
      seq: Number(got?.sequence),
      status: got?.component.getFirstPropertyValue('status'),
      start: got && instant(got.startDate),
    };
  };
  const first = await seq();
  await ok(
    server.api('PATCH', `/events/${e.id}`, {
      token: server.adminToken,
      json: { title: 'Seq (moved)', startsAt: '2028-03-01T09:00' },
    }),
    200,
  );
  const second = await seq();
  expect(second.seq).toBeGreaterThan(first.seq);
  expect(second.start).toBe('2028-03-01T03:15:00.000Z');
  await ok(server.api('POST', `/events/${e.id}/cancel`, { token: server.adminToken, json: { reason: 'rain' } }), 200);
  const third = await seq();
  expect(third.seq).toBeGreaterThan(second.seq);
  expect(third.status).toBe('CANCELLED');
  expect(first.status).toBe('CONFIRMED');
  // The single-event file says the same.
  const one = parse((await ok(server.api('GET', `/events/${e.id}/calendar.ics`), 200)).text);
  expect(one.events.get(uidOf(e.id))?.component.getFirstPropertyValue('status')).toBe('CANCELLED');
});

test('text is escaped and long lines are folded at 75 octets, never inside a UTF-8 sequence', async () => {
  const title = 'Talk, Q&A; paths like C:\\temp\\new — ready?';
  const description = `Line one, with a comma; and a semicolon\nLine two \\ backslash\r\n${'नमस्ते दुनिया 你好世界 مرحبا 🎉 '.repeat(12)}end`;
  const venue = 'Hall 3; Building B, Kathmandu';
  const e = await createEvent(server, {
    title,
    description,
    venue,
    startsAt: '2028-05-01T10:00:00Z',
    endsAt: '2028-05-01T11:00:00Z',
  });
  const r = await ok(server.api('GET', `/events/${e.id}/calendar.ics`), 200);
  expect(r.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
  const bytes = new TextEncoder().encode(r.text);
  // Every physical line: at most 75 octets, and valid UTF-8 on its own (a split sequence would not decode).
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let startOfLine = 0;
  let lines = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) {
      const line = bytes.subarray(startOfLine, i);
      expect(line.length).toBeLessThanOrEqual(75);
      expect(() => decoder.decode(line)).not.toThrow();
      startOfLine = i + 2;
      lines++;
    }
  }
  expect(startOfLine).toBe(bytes.length); // the document ends with CRLF
  expect(lines).toBeGreaterThan(20);
  expect(r.text).toMatch(/\r\n [^\r\n]/); // folding happened
  const lines2 = veventLines(r.text, uidOf(e.id));
  expect(lines2).toContain('SUMMARY:Talk\\, Q&A\\; paths like C:\\\\temp\\\\new — ready?');
  expect(lines2).toContain('LOCATION:Hall 3\\; Building B\\, Kathmandu');
  const parsed = parse(r.text).events.get(uidOf(e.id));
  expect(parsed?.summary).toBe(title);
  expect(parsed?.location).toBe(venue);
  // RFC 5545 has one line break in text (\n): CRLF in the source comes back as \n.
  expect(parsed?.description).toBe(description.replace(/\r\n/g, '\n'));
});

test('a draft or pending event is the public’s 404 and absent from the feed; its owner and admins can download it', async () => {
  const org = await addOrganizer(server, 'cal-owner@example.test');
  const other = await addOrganizer(server, 'cal-other@example.test');
  const draft = await createEvent(
    server,
    { title: 'Secret draft', draft: true, startsAt: '2028-07-01T10:00:00Z', endsAt: '2028-07-01T11:00:00Z' },
    org.token,
  );
  const pending = await createEvent(
    server,
    { title: 'Pending', startsAt: '2028-07-02T10:00:00Z', endsAt: '2028-07-02T11:00:00Z' },
    org.token,
  );
  for (const e of [draft, pending]) {
    const anon = await server.api('GET', `/events/${e.id}/calendar.ics`);
    expect(anon.status).toBe(404);
    expect(anon.json.error.code).toBe('not_found');
    expect((await server.api('GET', `/events/${e.id}/calendar.ics`, { token: other.token })).status).toBe(404);
    const own = await ok(server.api('GET', `/events/${e.id}/calendar.ics`, { token: org.token }), 200);
    expect(parse(own.text).events.get(uidOf(e.id))?.component.getFirstPropertyValue('status')).toBe('TENTATIVE');
    await ok(server.api('GET', `/events/${e.id}/calendar.ics`, { token: server.adminToken }), 200);
  }
  // The feed is public whoever asks: no draft or pending event even for an admin.
  const asAdmin = parse((await ok(server.api('GET', '/calendar.ics', { token: server.adminToken }), 200)).text);
  expect(asAdmin.events.has(uidOf(draft.id))).toBe(false);
  expect(asAdmin.events.has(uidOf(pending.id))).toBe(false);
  expect((await server.api('GET', '/events/nope/calendar.ics')).status).toBe(404);
});

test('the OpenAPI document lists the feeds as text/calendar (and the import and export routes)', async () => {
  const doc = (await ok(server.request('GET', '/api/v1/openapi.json'), 200)).json;
  expect(Object.keys(doc.paths['/api/v1/calendar.ics'].get.responses['200'].content)).toEqual(['text/calendar']);
  expect(Object.keys(doc.paths['/api/v1/events/{id}/calendar.ics'].get.responses['200'].content)).toEqual(['text/calendar']);
  expect(doc.paths['/api/v1/events/export'].get).toBeDefined();
  expect(doc.paths['/api/v1/events/import'].post).toBeDefined();
});

test('KAIROS_PUBLIC_URL defaults to http://HOST:PORT, loses a trailing slash, and a bad one stops the start', () => {
  expect(loadConfig({ HOST: '127.0.0.1', PORT: '3456' }).publicUrl).toBe('http://127.0.0.1:3456');
  expect(loadConfig({ KAIROS_PUBLIC_URL: 'https://events.example.org/kairos/' }).publicUrl).toBe(
    'https://events.example.org/kairos',
  );
  expect(() => loadConfig({ KAIROS_PUBLIC_URL: 'events.example.org' })).toThrow(/KAIROS_PUBLIC_URL=events.example.org/);
  expect(() => loadConfig({ KAIROS_PUBLIC_URL: 'ftp://events.example.org' })).toThrow(/KAIROS_PUBLIC_URL/);
});
