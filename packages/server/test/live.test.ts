// @dialects sqlite postgres
/**
 * The core promise, over real HTTP on a real SQLite file: statuses change by themselves at the
 * moment the dates say, in the database (history), the API (GET) and every open stream — in
 * order, exactly once, never early — and edits, deletes and cancels move or remove the triggers
 * in the same write. The sub-tests run concurrently on one server (each watches its own event),
 * so the whole file takes about as long as the longest timeline.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEvent } from './support/fixtures.ts';
import { startServer, stopAll, type TestServer } from './support/server.ts';
import { openStream, type Stream, type StreamMessage } from './support/sse.ts';
import {
  type Dates,
  datesBody,
  type Entry,
  expectedTransitions,
  fullHistory,
  ms,
  sleep,
  sleepUntil,
  specState,
  triggersOf,
} from './support/timeline.ts';

/** Generous: a firing may be this late on a loaded machine; it may never be early. */
const MAX_LATE_MS = 2000;

let server: TestServer;
/** A public client, connected before anything is created. */
let pub: Stream;

beforeAll(async () => {
  server = await startServer();
  pub = openStream(server.url);
  await pub.opened;
  await pub.waitFor((m) => m.length > 0, 5000);
});

afterAll(async () => {
  pub?.close();
  await stopAll();
});

const of = (eventId: string, type?: string) => (m: StreamMessage) =>
  m.data?.eventId === eventId && (type === undefined || m.type === type);

async function create(title: string, dates: Dates): Promise<{ id: string; createdAt: number; body: Entry }> {
  const body = await createEvent(server, { title, timezone: 'Asia/Kathmandu', ...datesBody(dates) });
  return { id: body.id, createdAt: ms(body.createdAt), body };
}

describe.concurrent('live lifecycle over HTTP and SSE', () => {
  test('(a) every boundary fires on time, in order, exactly once, on the stream, in history and in GET', async () => {
    const t0 = Date.now();
    const dates: Dates = {
      registrationOpensAt: t0 + 2000,
      registrationClosesAt: t0 + 3000,
      startsAt: t0 + 4000,
      endsAt: t0 + 5000,
      certificatesOpenAt: t0 + 6000,
      certificatesCloseAt: t0 + 7000,
    };
    const { id, createdAt, body } = await create('Live timeline', dates);
    const expected = expectedTransitions(dates, createdAt);
    // The oracle from SPEC §4: all six boundaries change the state.
    expect(expected.map((e) => e.to.phase)).toEqual([
      'registration_open',
      'registration_closed',
      'in_progress',
      'ended',
      'certificates_available',
      'ended',
    ]);
    expect({ status: body.status, phase: body.phase }).toEqual(specState(dates, createdAt));
    expect(body.nextTransition).toEqual({
      at: new Date(dates.registrationOpensAt as number).toISOString(),
      status: 'upcoming',
      phase: 'registration_open',
    });
    expect((await triggersOf(server, id)).map((t) => t.trigger)).toEqual([
      'registration_open',
      'registration_close',
      'event_start',
      'event_end',
      'certificates_open',
      'certificates_close',
    ]);

    const last = expected[expected.length - 1]?.dueAt as number;
    await pub.waitFor((m) => m.filter(of(id, 'transition')).length >= expected.length, last - Date.now() + 5000);
    // Anything extra (a duplicate, a late echo) would arrive in this window.
    await sleepUntil(last + 1500);

    const transitions = pub.messages.filter(of(id, 'transition'));
    expect(transitions).toHaveLength(expected.length);
    const ids = transitions.map((m) => Number(m.id));
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1] as number);
    transitions.forEach((m, i) => {
      const want = expected[i];
      if (!want) throw new Error('more transitions than expected');
      expect(m.data).toMatchObject({
        seq: Number(m.id),
        eventId: id,
        cause: 'schedule',
        actor: null,
        trigger: want.trigger,
        from: want.from,
        to: want.to,
        dueAt: new Date(want.dueAt).toISOString(),
      });
      // Never early: not in the record, not on the wire.
      expect(ms(m.data.at)).toBeGreaterThanOrEqual(want.dueAt);
      expect(m.receivedAt).toBeGreaterThanOrEqual(want.dueAt);
      expect(m.data.lateMs).toBe(ms(m.data.at) - want.dueAt);
      expect(m.data.lateMs).toBeLessThanOrEqual(MAX_LATE_MS);
      expect(m.receivedAt - want.dueAt).toBeLessThanOrEqual(MAX_LATE_MS);
      expect(m.data.event).toMatchObject({ id, status: want.to.status, phase: want.to.phase, version: 1 });
    });
    // Nothing but the create and the transitions reached the stream for this event.
    expect(pub.messages.filter(of(id)).map((m) => m.type)).toEqual(['event.created', ...expected.map(() => 'transition')]);

    const history = await fullHistory(server, id);
    expect(history.map((h: Entry) => h.cause)).toEqual(['create', ...expected.map(() => 'schedule')]);
    const fired = history.slice(1);
    expect(fired.map((h: Entry) => h.seq)).toEqual(ids);
    fired.forEach((h: Entry, i: number) => {
      const want = expected[i];
      if (!want) throw new Error('more history than expected');
      expect(h).toMatchObject({ trigger: want.trigger, from: want.from, to: want.to, dueAt: new Date(want.dueAt).toISOString() });
      expect(ms(h.at)).toBeGreaterThanOrEqual(ms(h.dueAt));
      expect(h.lateMs).toBe(ms(h.at) - ms(h.dueAt));
      // The chain: each entry starts where the previous one ended.
      expect(h.from).toEqual(history[i].to);
    });

    const got = await server.api('GET', `/events/${id}`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ status: 'completed', phase: 'ended', nextTransition: null, version: 1 });
    expect(await triggersOf(server, id)).toEqual([]);
  });

  test('(b) PATCH moves a trigger: nothing at the old instant, the transition at the new one', async () => {
    const t0 = Date.now();
    const oldStart = t0 + 3000;
    const { id } = await create('Moved start', { startsAt: oldStart, endsAt: t0 + 60_000 });
    const newStart = t0 + 8000;
    const r = await server.api('PATCH', `/events/${id}`, {
      token: server.adminToken,
      json: { startsAt: new Date(newStart).toISOString(), version: 1 },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ status: 'upcoming', phase: 'scheduled', version: 2 });
    expect(r.json.nextTransition).toEqual({ at: new Date(newStart).toISOString(), status: 'ongoing', phase: 'in_progress' });
    expect(await triggersOf(server, id)).toEqual([
      { trigger: 'event_start', dueAt: new Date(newStart).toISOString() },
      { trigger: 'event_end', dueAt: new Date(t0 + 60_000).toISOString() },
    ]);

    // The old instant passes in silence.
    await sleepUntil(oldStart + 1500);
    expect(pub.messages.filter(of(id, 'transition'))).toEqual([]);
    const mid = await server.api('GET', `/events/${id}`);
    expect(mid.json).toMatchObject({ status: 'upcoming', phase: 'scheduled' });

    const m = await pub.waitFor((ms_) => ms_.find(of(id, 'transition')), newStart - Date.now() + 5000);
    expect(m.receivedAt).toBeGreaterThanOrEqual(newStart);
    expect(m.data).toMatchObject({
      cause: 'schedule',
      trigger: 'event_start',
      dueAt: new Date(newStart).toISOString(),
      from: { status: 'upcoming', phase: 'scheduled' },
      to: { status: 'ongoing', phase: 'in_progress' },
    });
    expect(ms(m.data.at)).toBeGreaterThanOrEqual(newStart);
    expect(m.data.lateMs).toBeLessThanOrEqual(MAX_LATE_MS);
    await sleep(500);
    expect(pub.messages.filter(of(id)).map((x) => x.type)).toEqual(['event.created', 'event.updated', 'transition']);

    const history = await fullHistory(server, id);
    expect(history.map((h: Entry) => [h.cause, h.trigger])).toEqual([
      ['create', null],
      ['edit', null],
      ['schedule', 'event_start'],
    ]);
    expect(await triggersOf(server, id)).toEqual([{ trigger: 'event_end', dueAt: new Date(t0 + 60_000).toISOString() }]);
    // Clean up the remaining trigger so the scheduler's list stays short for the other tests.
    expect((await server.api('DELETE', `/events/${id}`, { token: server.adminToken })).status).toBe(204);
  });

  test('(c) DELETE and cancel remove the triggers: nothing fires afterwards', async () => {
    const t0 = Date.now();
    const dates: Dates = { startsAt: t0 + 3500, endsAt: t0 + 4500 };
    const deleted = await create('To be deleted', dates);
    const cancelled = await create('To be cancelled', dates);
    expect((await triggersOf(server, deleted.id)).map((t) => t.trigger)).toEqual(['event_start', 'event_end']);
    expect((await triggersOf(server, cancelled.id)).map((t) => t.trigger)).toEqual(['event_start', 'event_end']);

    const del = await server.api('DELETE', `/events/${deleted.id}`, { token: server.adminToken });
    expect(del.status, del.text).toBe(204);
    const can = await server.api('POST', `/events/${cancelled.id}/cancel`, {
      token: server.adminToken,
      json: { reason: 'speaker unavailable' },
    });
    expect(can.status, can.text).toBe(200);
    expect(can.json).toMatchObject({ status: 'cancelled', phase: 'cancelled', nextTransition: null, version: 2 });
    expect(Date.now()).toBeLessThan(dates.startsAt); // the writes happened before the first boundary
    expect(await triggersOf(server, deleted.id)).toEqual([]);
    expect(await triggersOf(server, cancelled.id)).toEqual([]);

    const gone = await pub.waitFor((m) => m.find(of(deleted.id, 'event.deleted')), 5000);
    expect(gone.data).toMatchObject({ cause: 'delete', event: null, seq: Number(gone.id) });
    const cancel = await pub.waitFor((m) => m.find(of(cancelled.id, 'transition')), 5000);
    expect(cancel.data).toMatchObject({
      cause: 'cancel',
      reason: 'speaker unavailable',
      from: { status: 'upcoming', phase: 'scheduled' },
      to: { status: 'cancelled', phase: 'cancelled' },
      event: { id: cancelled.id, status: 'cancelled' },
    });

    // Past both boundaries: silence.
    await sleepUntil(dates.endsAt + 1500);
    expect(pub.messages.filter(of(deleted.id)).map((m) => m.type)).toEqual(['event.created', 'event.deleted']);
    expect(pub.messages.filter(of(cancelled.id)).map((m) => m.type)).toEqual(['event.created', 'transition']);
    expect((await fullHistory(server, deleted.id)).map((h: Entry) => h.cause)).toEqual(['create', 'delete']);
    expect((await fullHistory(server, cancelled.id)).map((h: Entry) => h.cause)).toEqual(['create', 'cancel']);
    expect((await server.api('GET', `/events/${deleted.id}`)).status).toBe(404);
    expect((await server.api('GET', `/events/${cancelled.id}`)).json).toMatchObject({ status: 'cancelled', phase: 'cancelled' });
    const sched = await server.api('GET', '/scheduler', { token: server.adminToken });
    const firedFor = (sched.json.recent as Array<{ eventId: string }>).filter(
      (f) => f.eventId === deleted.id || f.eventId === cancelled.id,
    );
    expect(firedFor).toEqual([]);
  });

  test('(d) moving a date into the past applies at once, as one edit entry and one transition', async () => {
    const t0 = Date.now();
    const { id } = await create('Started early', { startsAt: t0 + 60_000, endsAt: t0 + 120_000 });
    const pastStart = t0 - 60_000;
    const r = await server.api('PATCH', `/events/${id}`, {
      token: server.adminToken,
      json: { startsAt: new Date(pastStart).toISOString(), version: 1 },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({
      status: 'ongoing',
      phase: 'in_progress',
      version: 2,
      nextTransition: { at: new Date(t0 + 120_000).toISOString(), status: 'completed', phase: 'ended' },
    });
    const history = await fullHistory(server, id);
    expect(history).toHaveLength(2);
    const edit = history[1];
    expect(edit).toMatchObject({
      cause: 'edit',
      from: { status: 'upcoming', phase: 'scheduled' },
      to: { status: 'ongoing', phase: 'in_progress' },
      trigger: null,
      dueAt: null,
    });
    expect(edit.actor).toEqual(expect.any(String));
    const m = await pub.waitFor((x) => x.find(of(id, 'transition')), 5000);
    expect(Number(m.id)).toBe(edit.seq);
    expect(m.data).toMatchObject({ cause: 'edit', from: edit.from, to: edit.to, event: { id, status: 'ongoing' } });
    expect(await triggersOf(server, id)).toEqual([{ trigger: 'event_end', dueAt: new Date(t0 + 120_000).toISOString() }]);
    expect((await server.api('GET', `/events/${id}`)).json).toMatchObject({ status: 'ongoing', phase: 'in_progress' });
    expect((await server.api('DELETE', `/events/${id}`, { token: server.adminToken })).status).toBe(204);
  });

  test('(e) Last-Event-ID replays every missed entry in order, then live ones; hello comes first', async () => {
    const { id } = await create('Replay me', { startsAt: Date.now() + 600_000, endsAt: Date.now() + 700_000 });
    const created = await pub.waitFor((m) => m.find(of(id, 'event.created')), 5000);
    const since = Number(created.id) - 1;
    // More entries this client will have missed.
    for (let v = 1; v <= 3; v++) {
      const r = await server.api('PATCH', `/events/${id}`, {
        token: server.adminToken,
        json: { title: `Replay ${v}`, version: v },
      });
      expect(r.status, r.text).toBe(200);
    }
    await pub.waitFor((m) => m.filter(of(id, 'event.updated')).length === 3, 5000);

    const late = openStream(server.url, { lastEventId: since });
    try {
      await late.opened;
      const hello = await late.waitFor((m) => m[0], 5000);
      expect(hello.type).toBe('hello');
      const lastSeq = Number(hello.data.lastSeq);
      expect(lastSeq).toBeGreaterThanOrEqual(Number(created.id) + 3);
      // Everything the first client saw after `since`, up to what existed at connect, replayed in order.
      const missed = pub.messages.filter((m) => m.type !== 'hello' && Number(m.id) > since && Number(m.id) <= lastSeq);
      await late.waitFor((m) => m.filter((x) => x.type !== 'hello' && Number(x.id) <= lastSeq).length >= missed.length, 5000);

      const r = await server.api('PATCH', `/events/${id}`, {
        token: server.adminToken,
        json: { title: 'Live again', version: 4 },
      });
      expect(r.status, r.text).toBe(200);
      const live = await late.waitFor((m) => m.find((x) => x.data?.eventId === id && x.data.event?.title === 'Live again'), 5000);
      expect(Number(live.id)).toBeGreaterThan(lastSeq);
      await pub.waitFor((m) => m.find((x) => x.id === live.id), 5000);
      await sleep(300);

      const got = late.messages.slice(1);
      const gotIds = got.map((m) => Number(m.id));
      for (let i = 1; i < gotIds.length; i++) expect(gotIds[i]).toBeGreaterThan(gotIds[i - 1] as number);
      expect(gotIds[0]).toBe(Number(created.id));
      // Replay then live: same messages, same order, as the client that never left.
      const upTo = Number(live.id);
      const reference = pub.messages.filter((m) => m.type !== 'hello' && Number(m.id) > since && Number(m.id) <= upTo);
      expect(got.filter((m) => Number(m.id) <= upTo).map((m) => [m.id, m.type, m.data.cause])).toEqual(
        reference.map((m) => [m.id, m.type, m.data.cause]),
      );
      expect(late.messages.filter(of(id)).map((m) => [m.type, m.data.event?.title])).toEqual([
        ['event.created', expect.any(String)],
        ['event.updated', expect.any(String)],
        ['event.updated', expect.any(String)],
        ['event.updated', expect.any(String)],
        ['event.updated', 'Live again'],
      ]);
    } finally {
      late.close();
    }

    // The first message on every connection is hello, with the server's time.
    const admin = openStream(server.url, { token: server.adminToken });
    try {
      await admin.waitFor((m) => m[0], 5000);
      for (const s of [pub, late, admin]) {
        const first = s.messages[0];
        expect(first?.type).toBe('hello');
        expect(first?.id).toBe('');
        expect(first?.data.serverTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(Math.abs(ms(first?.data.serverTime) - (first?.receivedAt ?? 0))).toBeLessThan(5000);
        expect(s.messages.filter((m) => m.type === 'hello')).toHaveLength(1);
      }
    } finally {
      admin.close();
    }
    expect((await server.api('DELETE', `/events/${id}`, { token: server.adminToken })).status).toBe(204);
  });
});
