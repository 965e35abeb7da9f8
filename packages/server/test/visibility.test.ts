/**
 * Who sees what (SPEC §3 and §7): the live stream, the list and the Last-Event-ID replay never
 * show anyone an event they may not read. A public client (no token) never gets a single message
 * about a draft, pending or declined event — not its creation, edits, submission, decline or
 * deletion — yet it does get an approved event appearing (the approval transition) and
 * cancellations. The owning organizer's stream gets its own hidden events; another organizer's
 * does not; the admin's gets everything. Replaying from Last-Event-ID applies the same rule.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addOrganizer, createEvent, ok } from './support/fixtures.ts';
import { startServer, stopAll, type TestServer } from './support/server.ts';
import { openStream, type Stream, type StreamMessage } from './support/sse.ts';
import { datesBody, sleep, sleepUntil } from './support/timeline.ts';

let server: TestServer;
let owner = '';
let other = '';
const streams: Record<'pub' | 'own' | 'oth' | 'adm', Stream | null> = { pub: null, own: null, oth: null, adm: null };
const extra: Stream[] = [];

/** Ids of the events no public client may ever hear of. */
const hidden: Record<'draft' | 'pending' | 'declined' | 'deleted' | 'adminDraft', string> = {
  draft: '',
  pending: '',
  declined: '',
  deleted: '',
  adminDraft: '',
};
/** Public events whose messages everyone must get. */
const visible: Record<'approved' | 'adminCancelled' | 'ownerCancelled', string> = {
  approved: '',
  adminCancelled: '',
  ownerCancelled: '',
};
let approvedEnd = 0;

function stream(name: keyof typeof streams): Stream {
  const s = streams[name];
  if (!s) throw new Error(`stream ${name} not open`);
  return s;
}

/** Every event id a message mentions: its eventId and its event's id. */
const idsOf = (m: StreamMessage): string[] =>
  [m.data?.eventId, m.data?.event?.id].filter((x): x is string => typeof x === 'string');
const about = (id: string) => (m: StreamMessage) => idsOf(m).includes(id);
const summary = (s: Stream, id: string) => s.messages.filter(about(id)).map((m) => `${m.type}:${m.data.cause}`);

const create = async (token: string, title: string, body: Record<string, unknown>): Promise<string> =>
  (await createEvent(server, { title, ...body }, token)).id;

beforeAll(async () => {
  server = await startServer();
  owner = (await addOrganizer(server, 'owner@example.test')).token;
  other = (await addOrganizer(server, 'other@example.test')).token;
  streams.pub = openStream(server.url);
  streams.own = openStream(server.url, { token: owner });
  streams.oth = openStream(server.url, { token: other });
  streams.adm = openStream(server.url, { token: server.adminToken });
  for (const s of Object.values(streams)) {
    await s?.opened;
    await s?.waitFor((m) => m.find((x) => x.type === 'hello'), 5000);
  }

  const t0 = Date.now();
  const far = { startsAt: '2031-03-01T10:00:00Z', endsAt: '2031-03-01T12:00:00Z' };
  // Dates that pass during the test: a hidden event has no trigger, so nothing may fire for it.
  const soon = datesBody({ startsAt: t0 + 1500, endsAt: t0 + 2500 });

  // A draft, edited, then submitted (draft → pending is a transition, but a hidden one).
  hidden.draft = await create(owner, 'Secret draft', { ...soon, draft: true });
  await ok(server.api('PATCH', `/events/${hidden.draft}`, { token: owner, json: { venue: 'Secret room' } }), 200);
  await ok(server.api('POST', `/events/${hidden.draft}/submit`, { token: owner }), 200);
  // Pending, edited by its owner and by an admin.
  hidden.pending = await create(owner, 'Secret pending', soon);
  await ok(server.api('PATCH', `/events/${hidden.pending}`, { token: owner, json: { description: 'tbd' } }), 200);
  await ok(server.api('PATCH', `/events/${hidden.pending}`, { token: server.adminToken, json: { title: 'Still secret' } }), 200);
  // Cancelling it is refused: `cancelled` is public, so that would publish an event nobody approved.
  await ok(server.api('POST', `/events/${hidden.pending}/cancel`, { token: owner, json: { reason: 'z' } }), 409);
  // Declined.
  hidden.declined = await create(owner, 'Secret declined', soon);
  await ok(server.api('POST', `/events/${hidden.declined}/decline`, { token: server.adminToken, json: { reason: 'no' } }), 200);
  // A draft deleted by its owner: its deletion is not news to the public either.
  hidden.deleted = await create(owner, 'Secret deleted', { ...far, draft: true });
  await ok(server.api('DELETE', `/events/${hidden.deleted}`, { token: owner }), 204);
  // The admin's own draft: hidden from every organizer too.
  hidden.adminDraft = await create(server.adminToken, 'Admin draft', { ...far, draft: true });
  await ok(server.api('PATCH', `/events/${hidden.adminDraft}`, { token: server.adminToken, json: { venue: 'HQ' } }), 200);

  // An organizer's event, approved: it appears with the approval, then its boundaries fire.
  approvedEnd = t0 + 3500;
  visible.approved = await create(owner, 'Approved', datesBody({ startsAt: t0 + 2500, endsAt: approvedEnd }));
  await ok(server.api('PATCH', `/events/${visible.approved}`, { token: owner, json: { venue: 'Hall' } }), 200);
  await ok(server.api('POST', `/events/${visible.approved}/approve`, { token: server.adminToken }), 200);
  // An admin's event (public from its creation), cancelled by the admin.
  visible.adminCancelled = await create(server.adminToken, 'Admin cancelled', far);
  await ok(
    server.api('POST', `/events/${visible.adminCancelled}/cancel`, { token: server.adminToken, json: { reason: 'x' } }),
    200,
  );
  // An organizer's approved event, cancelled by its owner.
  visible.ownerCancelled = await create(owner, 'Owner cancelled', far);
  await ok(server.api('POST', `/events/${visible.ownerCancelled}/approve`, { token: server.adminToken }), 200);
  await ok(server.api('POST', `/events/${visible.ownerCancelled}/cancel`, { token: owner, json: { reason: 'y' } }), 200);

  // Both boundaries of the approved event fire; the hidden events' dates pass too.
  await stream('pub').waitFor(
    (m) => m.filter((x) => about(visible.approved)(x) && x.data.cause === 'schedule').length >= 2,
    approvedEnd - Date.now() + 5000,
  );
  // A short wait: a late or stray message would arrive now.
  await sleepUntil(approvedEnd + 1000);
});

afterAll(async () => {
  for (const s of [...Object.values(streams), ...extra]) s?.close();
  await stopAll();
});

describe('live stream visibility', () => {
  test('the public stream never mentions a draft, pending, declined or deleted-while-hidden event', () => {
    const pub = stream('pub');
    const secret = Object.values(hidden);
    for (const m of pub.messages) {
      for (const id of secret) {
        expect(idsOf(m), `${m.type} ${JSON.stringify(m.data)}`).not.toContain(id);
        expect(JSON.stringify(m.data)).not.toContain(id);
      }
      // Nothing it carries is in a hidden state.
      if (m.type !== 'hello') {
        expect(['upcoming', 'ongoing', 'completed', 'cancelled']).toContain(m.data.to.status);
        if (m.data.event) expect(['upcoming', 'ongoing', 'completed', 'cancelled']).toContain(m.data.event.status);
      }
    }
    for (const m of pub.messages) expect(JSON.stringify(m.data)).not.toMatch(/Secret|Still secret|Admin draft/);
    expect(pub.messages[0]?.type).toBe('hello');
    expect(pub.messages.filter((m) => m.type === 'hello')).toHaveLength(1);
  });

  test('the public stream does get the approval (the event appearing), its transitions and the cancellations', () => {
    const pub = stream('pub');
    // The organizer's create and edit while pending are not public; the approval is where it appears.
    expect(summary(pub, visible.approved)).toEqual(['transition:approval', 'transition:schedule', 'transition:schedule']);
    const approval = pub.messages.find(about(visible.approved));
    expect(approval?.data).toMatchObject({
      cause: 'approval',
      from: { status: 'pending_approval', phase: 'pending_approval' },
      to: { status: 'upcoming', phase: 'scheduled' },
    });
    expect(approval?.data.event).toMatchObject({ id: visible.approved, title: 'Approved', venue: 'Hall' });
    const fired = pub.messages.filter((m) => about(visible.approved)(m) && m.data.cause === 'schedule');
    expect(fired.map((m) => m.data.to.phase)).toEqual(['in_progress', 'ended']);

    expect(summary(pub, visible.adminCancelled)).toEqual(['event.created:create', 'transition:cancel']);
    expect(summary(pub, visible.ownerCancelled)).toEqual(['transition:approval', 'transition:cancel']);
    const cancel = pub.messages.find((m) => about(visible.ownerCancelled)(m) && m.data.cause === 'cancel');
    expect(cancel?.data).toMatchObject({ to: { status: 'cancelled', phase: 'cancelled' }, event: { status: 'cancelled' } });

    // Ids strictly increase on the wire.
    const seqs = pub.messages.filter((m) => m.type !== 'hello').map((m) => Number(m.id));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  test("the owner's stream gets its own hidden events; another organizer's gets none of them; the admin's gets all", () => {
    const own = stream('own');
    expect(summary(own, hidden.draft)).toEqual(['event.created:create', 'event.updated:edit', 'transition:edit']);
    expect(summary(own, hidden.pending)).toEqual(['event.created:create', 'event.updated:edit', 'event.updated:edit']);
    expect(summary(own, hidden.declined)).toEqual(['event.created:create', 'transition:decline']);
    expect(summary(own, hidden.deleted)).toEqual(['event.created:create', 'event.deleted:delete']);
    // The owner sees its event from its creation on.
    expect(summary(own, visible.approved)).toEqual([
      'event.created:create',
      'event.updated:edit',
      'transition:approval',
      'transition:schedule',
      'transition:schedule',
    ]);
    // ...but not the admin's draft.
    expect(summary(own, hidden.adminDraft)).toEqual([]);
    // No hidden event ever transitions by the clock.
    for (const id of [hidden.draft, hidden.pending, hidden.declined]) {
      expect(own.messages.filter((m) => about(id)(m) && m.data.cause === 'schedule')).toEqual([]);
    }

    const oth = stream('oth');
    for (const id of Object.values(hidden)) {
      expect(summary(oth, id), id).toEqual([]);
      for (const m of oth.messages) expect(JSON.stringify(m.data)).not.toContain(id);
    }
    // The other organizer sees exactly what the public sees.
    const seqsOf = (s: Stream) => s.messages.filter((m) => m.type !== 'hello').map((m) => m.id);
    expect(seqsOf(oth)).toEqual(seqsOf(stream('pub')));

    const adm = stream('adm');
    expect(summary(adm, hidden.adminDraft)).toEqual(['event.created:create', 'event.updated:edit']);
    for (const id of Object.values(hidden)) expect(summary(adm, id).length, id).toBeGreaterThan(0);
    // The admin's stream is a superset of the owner's.
    const admSeqs = new Set(seqsOf(adm));
    for (const seq of seqsOf(own)) expect(admSeqs.has(seq)).toBe(true);
  });
});

describe('list visibility', () => {
  async function listIds(token?: string, query = ''): Promise<Array<{ id: string; status: string }>> {
    const r = await ok(server.api('GET', `/events?limit=200${query}`, { token }), 200);
    return r.json.items;
  }

  test('public lists no draft, pending or declined event; the owner sees its own; admin sees all', async () => {
    const pub = await listIds();
    for (const e of pub) expect(['upcoming', 'ongoing', 'completed', 'cancelled']).toContain(e.status);
    expect(new Set(pub.map((e) => e.id))).toEqual(new Set(Object.values(visible)));
    // Asking for hidden statuses explicitly does not widen it; neither does a text search.
    expect(await listIds(undefined, '&status=draft,pending_approval,declined')).toEqual([]);
    expect(await listIds(undefined, '&q=secret')).toEqual([]);

    const own = new Set((await listIds(owner)).map((e) => e.id));
    expect(own).toEqual(new Set([hidden.draft, hidden.pending, hidden.declined, ...Object.values(visible)]));

    const oth = await listIds(other);
    expect(new Set(oth.map((e) => e.id))).toEqual(new Set(Object.values(visible)));
    expect(await listIds(other, '&q=secret')).toEqual([]);

    const adm = new Set((await listIds(server.adminToken)).map((e) => e.id));
    expect(adm).toEqual(new Set([hidden.draft, hidden.pending, hidden.declined, hidden.adminDraft, ...Object.values(visible)]));
    // The deleted draft is gone for everyone.
    expect(adm.has(hidden.deleted)).toBe(false);
  });
});

describe('Last-Event-ID replay', () => {
  test('a public client replaying from 0 gets exactly the public entries, in order, and no hidden one', async () => {
    const replay = openStream(server.url, { lastEventId: 0 });
    extra.push(replay);
    await replay.opened;
    const live = stream('pub').messages.filter((m) => m.type !== 'hello');
    const last = live[live.length - 1];
    if (!last) throw new Error('the public stream got nothing');
    await replay.waitFor((m) => m.find((x) => x.id === last.id), 5000);
    await sleep(300);
    replay.close();
    const got = replay.messages.filter((m) => m.type !== 'hello');
    for (const m of got) for (const id of Object.values(hidden)) expect(JSON.stringify(m.data)).not.toContain(id);
    // The replay is what a client connected all along received: same ids, types, entries.
    expect(got.map((m) => [m.id, m.type, m.data.eventId, m.data.cause])).toEqual(
      live.map((m) => [m.id, m.type, m.data.eventId, m.data.cause]),
    );
  });

  test('replaying from the middle sends only the later public entries', async () => {
    const live = stream('pub').messages.filter((m) => m.type !== 'hello');
    const mid = live[Math.floor(live.length / 2)];
    if (!mid) throw new Error('the public stream got nothing');
    const after = live.filter((m) => Number(m.id) > Number(mid.id));
    const replay = openStream(server.url, { lastEventId: Number(mid.id) });
    extra.push(replay);
    await replay.opened;
    await replay.waitFor((m) => m.find((x) => x.type === 'hello'), 5000);
    if (after.length > 0) await replay.waitFor((m) => m.find((x) => x.id === after[after.length - 1]?.id), 5000);
    await sleep(300);
    replay.close();
    expect(replay.messages.filter((m) => m.type !== 'hello').map((m) => m.id)).toEqual(after.map((m) => m.id));
  });

  test("the owner's replay includes its hidden events; another organizer's replay does not", async () => {
    for (const [token, name] of [
      [owner, 'own'],
      [other, 'oth'],
    ] as const) {
      const live = stream(name).messages.filter((m) => m.type !== 'hello');
      const last = live[live.length - 1];
      if (!last) throw new Error(`stream ${name} got nothing`);
      const replay = openStream(server.url, { token, lastEventId: 0 });
      extra.push(replay);
      await replay.opened;
      await replay.waitFor((m) => m.find((x) => x.id === last.id), 5000);
      await sleep(300);
      replay.close();
      expect(replay.messages.filter((m) => m.type !== 'hello').map((m) => [m.id, m.type])).toEqual(
        live.map((m) => [m.id, m.type]),
      );
    }
  });
});
