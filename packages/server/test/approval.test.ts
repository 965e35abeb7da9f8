/**
 * Approval and the clock (SPEC §3, I1): an event waiting for approval has no triggers, so the
 * boundaries that pass while it waits do nothing — no transition, no history, no stream message.
 * Approving it records exactly ONE history entry, cause `approval`, straight to the state of that
 * instant (boundaries that already passed are not replayed), and only the boundaries still in
 * the future become triggers; those then fire on time with cause `schedule`. Declined and
 * cancelled events keep no trigger, and `kairos doctor` finds the database clean at the end.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addOrganizer, ok } from './support/fixtures.ts';
import { runCli, startServer, stopAll, type TestServer } from './support/server.ts';
import { openStream, type Stream, type StreamMessage } from './support/sse.ts';
import { type Dates, datesBody, type Entry, fullHistory, ms, sleep, sleepUntil, triggersOf } from './support/timeline.ts';

/** Generous: a firing may be this late on a loaded machine; it may never be early. */
const MAX_LATE_MS = 2000;

let server: TestServer;
let organizer = '';
let organizerId = '';
let adminId = '';
/** The admin's stream sees every message about every event. */
let watch: Stream;

async function scheduler(): Promise<{
  triggersQueued: number;
  upcoming: Array<{ eventId: string; trigger: string; dueAt: string }>;
}> {
  return (await ok(server.api('GET', '/scheduler', { token: server.adminToken }), 200)).json;
}

const about = (id: string) => (m: StreamMessage) => m.data?.eventId === id;
const causes = (h: Entry[]) => h.map((e: Entry) => e.cause);

beforeAll(async () => {
  server = await startServer();
  adminId = (await ok(server.api('GET', '/auth/me', { token: server.adminToken }), 200)).json.user.id;
  ({ id: organizerId, token: organizer } = await addOrganizer(server, 'org@example.test'));
  watch = openStream(server.url, { token: server.adminToken });
  await watch.opened;
  await watch.waitFor((m) => m.find((x) => x.type === 'hello'), 5000);
});

afterAll(async () => {
  watch?.close();
  await stopAll();
});

describe('approval after boundaries passed while pending', () => {
  test('pending: nothing fires; approval: one entry to the state of that instant; then only future boundaries fire, on time', async () => {
    const t0 = Date.now();
    // A: sent for approval at once; registration and start pass while it waits; the end is in the future.
    const aDates: Dates = {
      registrationOpensAt: t0 + 500,
      registrationClosesAt: t0 + 1000,
      startsAt: t0 + 1500,
      endsAt: t0 + 7000,
    };
    // B: a draft, submitted later; it starts and ends while waiting; the certificate window closes in the future.
    const bDates: Dates = {
      startsAt: t0 + 800,
      endsAt: t0 + 1600,
      certificatesOpenAt: t0 + 1800,
      certificatesCloseAt: t0 + 8000,
    };
    const a = await ok(
      server.api('POST', '/events', { token: organizer, json: { title: 'Waited (A)', ...datesBody(aDates) } }),
      201,
    );
    const b = await ok(
      server.api('POST', '/events', { token: organizer, json: { title: 'Waited (B)', draft: true, ...datesBody(bDates) } }),
      201,
    );
    const aId = a.json.id as string;
    const bId = b.json.id as string;
    expect(a.json).toMatchObject({ status: 'pending_approval', phase: 'pending_approval', nextTransition: null });
    expect(b.json).toMatchObject({ status: 'draft', phase: 'draft', nextTransition: null });
    const sub = await ok(server.api('POST', `/events/${bId}/submit`, { token: organizer }), 200);
    expect(sub.json).toMatchObject({ status: 'pending_approval', phase: 'pending_approval', nextTransition: null });

    // No trigger exists for an event that is not approved.
    let s = await scheduler();
    expect(s.triggersQueued).toBe(0);
    expect(s.upcoming).toEqual([]);

    // Every boundary but the last one of each passes while they wait.
    await sleepUntil(t0 + 2500);
    s = await scheduler();
    expect(s.triggersQueued).toBe(0);
    expect(s.upcoming).toEqual([]);
    for (const id of [aId, bId]) {
      const got = await ok(server.api('GET', `/events/${id}`, { token: organizer }), 200);
      expect(got.json).toMatchObject({ status: 'pending_approval', phase: 'pending_approval', version: id === aId ? 1 : 2 });
    }
    expect(causes(await fullHistory(server, aId))).toEqual(['create']);
    expect(causes(await fullHistory(server, bId))).toEqual(['create', 'edit']);
    // The only transition so far is B's submit (draft → pending, a user's action): none from the clock.
    const waiting = watch.messages.filter((m) => m.type === 'transition' && (about(aId)(m) || about(bId)(m)));
    expect(waiting.map((m) => [m.data.eventId, m.data.cause, m.data.to.status])).toEqual([[bId, 'edit', 'pending_approval']]);

    // Approve A: straight to ongoing/in_progress, one entry, no replay of registration or start.
    const approvedAt = Date.now();
    const ap = await ok(server.api('POST', `/events/${aId}/approve`, { token: server.adminToken }), 200);
    expect(ap.json).toMatchObject({ status: 'ongoing', phase: 'in_progress', version: 2 });
    expect(ap.json.nextTransition).toEqual({
      at: new Date(aDates.endsAt).toISOString(),
      status: 'completed',
      phase: 'ended',
    });
    // Approve B: straight to completed/certificates_available.
    const bp = await ok(server.api('POST', `/events/${bId}/approve`, { token: server.adminToken }), 200);
    expect(bp.json).toMatchObject({ status: 'completed', phase: 'certificates_available', version: 3 });
    expect(bp.json.nextTransition).toEqual({
      at: new Date(bDates.certificatesCloseAt as number).toISOString(),
      status: 'completed',
      phase: 'ended',
    });

    const aHist = await fullHistory(server, aId);
    expect(causes(aHist)).toEqual(['create', 'approval']);
    expect(aHist[1]).toMatchObject({
      eventId: aId,
      cause: 'approval',
      actor: adminId,
      from: { status: 'pending_approval', phase: 'pending_approval' },
      to: { status: 'ongoing', phase: 'in_progress' },
      trigger: null,
      dueAt: null,
    });
    expect(ms(aHist[1].at)).toBeGreaterThanOrEqual(approvedAt - 5);
    const bHist = await fullHistory(server, bId);
    expect(causes(bHist)).toEqual(['create', 'edit', 'approval']);
    expect(bHist[2]).toMatchObject({
      cause: 'approval',
      from: { status: 'pending_approval', phase: 'pending_approval' },
      to: { status: 'completed', phase: 'certificates_available' },
      trigger: null,
    });
    expect(aHist[0]).toMatchObject({ cause: 'create', actor: organizerId, from: null });

    // Only the future boundaries became triggers.
    expect(await triggersOf(server, aId)).toEqual([{ trigger: 'event_end', dueAt: new Date(aDates.endsAt).toISOString() }]);
    expect(await triggersOf(server, bId)).toEqual([
      { trigger: 'certificates_close', dueAt: new Date(bDates.certificatesCloseAt as number).toISOString() },
    ]);
    expect((await scheduler()).triggersQueued).toBe(2);

    // The stream carried exactly one transition per approval, with cause approval.
    const aApproval = await watch.waitFor((m) => m.find((x) => about(aId)(x) && x.type === 'transition'), 5000);
    expect(aApproval.data).toMatchObject({ cause: 'approval', to: { status: 'ongoing', phase: 'in_progress' } });
    expect(aApproval.data.event).toMatchObject({ id: aId, status: 'ongoing', phase: 'in_progress' });

    // The end fires on time, cause schedule.
    const end = await watch.waitFor(
      (m) => m.find((x) => about(aId)(x) && x.type === 'transition' && x.data.cause !== 'approval'),
      aDates.endsAt - Date.now() + 5000,
    );
    expect(end.data).toMatchObject({
      cause: 'schedule',
      trigger: 'event_end',
      dueAt: new Date(aDates.endsAt).toISOString(),
      from: { status: 'ongoing', phase: 'in_progress' },
      to: { status: 'completed', phase: 'ended' },
    });
    expect(ms(end.data.at)).toBeGreaterThanOrEqual(aDates.endsAt);
    expect(end.receivedAt).toBeGreaterThanOrEqual(aDates.endsAt);
    expect(end.data.lateMs).toBe(ms(end.data.at) - aDates.endsAt);
    expect(end.data.lateMs).toBeLessThanOrEqual(MAX_LATE_MS);

    const closeAt = bDates.certificatesCloseAt as number;
    const close = await watch.waitFor(
      (m) => m.find((x) => about(bId)(x) && x.type === 'transition' && x.data.cause === 'schedule'),
      closeAt - Date.now() + 5000,
    );
    expect(close.data).toMatchObject({
      cause: 'schedule',
      trigger: 'certificates_close',
      to: { status: 'completed', phase: 'ended' },
    });
    expect(ms(close.data.at)).toBeGreaterThanOrEqual(closeAt);
    expect(close.data.lateMs).toBeLessThanOrEqual(MAX_LATE_MS);

    // Anything extra (a duplicate, a late replay of the passed boundaries) would show up now.
    await sleep(700);
    expect(causes(await fullHistory(server, aId))).toEqual(['create', 'approval', 'schedule']);
    expect(causes(await fullHistory(server, bId))).toEqual(['create', 'edit', 'approval', 'schedule']);
    expect(watch.messages.filter((m) => about(aId)(m) && m.type === 'transition').map((m) => m.data.cause)).toEqual([
      'approval',
      'schedule',
    ]);
    expect(watch.messages.filter((m) => about(bId)(m) && m.type === 'transition').map((m) => m.data.cause)).toEqual([
      'edit',
      'approval',
      'schedule',
    ]);
    expect(await triggersOf(server, aId)).toEqual([]);
    expect(await triggersOf(server, bId)).toEqual([]);
    const final = await ok(server.api('GET', `/events/${aId}`), 200);
    expect(final.json).toMatchObject({ status: 'completed', phase: 'ended', nextTransition: null, version: 2 });
  });

  test('approving a pending event whose dates are all in the future: upcoming, every boundary a trigger', async () => {
    const t0 = Date.now();
    const dates: Dates = {
      registrationOpensAt: t0 + 3_600_000,
      registrationClosesAt: t0 + 7_200_000,
      startsAt: t0 + 10_800_000,
      endsAt: t0 + 14_400_000,
    };
    const c = await ok(server.api('POST', '/events', { token: organizer, json: { title: 'Future', ...datesBody(dates) } }), 201);
    const id = c.json.id as string;
    expect(await triggersOf(server, id)).toEqual([]);
    const ap = await ok(server.api('POST', `/events/${id}/approve`, { token: server.adminToken }), 200);
    expect(ap.json).toMatchObject({ status: 'upcoming', phase: 'registration_not_started' });
    expect((await triggersOf(server, id)).map((t) => t.trigger)).toEqual([
      'registration_open',
      'registration_close',
      'event_start',
      'event_end',
    ]);
    const h = await fullHistory(server, id);
    expect(causes(h)).toEqual(['create', 'approval']);
    expect(h[1].to).toEqual({ status: 'upcoming', phase: 'registration_not_started' });
    // Approving twice is refused and records nothing.
    expect((await server.api('POST', `/events/${id}/approve`, { token: server.adminToken })).status).toBe(409);
    expect(causes(await fullHistory(server, id))).toEqual(['create', 'approval']);
    // Tidy: cancel it, which removes its triggers in the same write.
    await ok(server.api('POST', `/events/${id}/cancel`, { token: organizer, json: { reason: 'moved online' } }), 200);
    expect(await triggersOf(server, id)).toEqual([]);
  });

  test('decline and cancel leave no trigger; boundaries passing afterwards do nothing', async () => {
    const t0 = Date.now();
    const dates: Dates = { startsAt: t0 + 1500, endsAt: t0 + 2500 };
    const declined = (
      await ok(server.api('POST', '/events', { token: organizer, json: { title: 'To decline', ...datesBody(dates) } }), 201)
    ).json.id as string;
    const cancelled = (
      await ok(server.api('POST', '/events', { token: organizer, json: { title: 'To cancel', ...datesBody(dates) } }), 201)
    ).json.id as string;
    const adminCancelled = (
      await ok(
        server.api('POST', '/events', { token: server.adminToken, json: { title: 'Admin cancel', ...datesBody(dates) } }),
        201,
      )
    ).json.id as string;

    const dec = await ok(
      server.api('POST', `/events/${declined}/decline`, { token: server.adminToken, json: { reason: 'duplicate' } }),
      200,
    );
    expect(dec.json).toMatchObject({ status: 'declined', phase: 'declined', nextTransition: null });
    await ok(server.api('POST', `/events/${cancelled}/approve`, { token: server.adminToken }), 200);
    expect((await triggersOf(server, cancelled)).map((t) => t.trigger)).toEqual(['event_start', 'event_end']);
    expect((await triggersOf(server, adminCancelled)).map((t) => t.trigger)).toEqual(['event_start', 'event_end']);
    const can = await ok(server.api('POST', `/events/${cancelled}/cancel`, { token: organizer, json: { reason: 'ill' } }), 200);
    expect(can.json).toMatchObject({ status: 'cancelled', phase: 'cancelled', nextTransition: null });
    await ok(server.api('POST', `/events/${adminCancelled}/cancel`, { token: server.adminToken, json: { reason: 'ill' } }), 200);

    for (const id of [declined, cancelled, adminCancelled]) expect(await triggersOf(server, id)).toEqual([]);
    // Both boundaries pass.
    await sleepUntil(t0 + 3500);
    const s = await scheduler();
    expect(s.upcoming.filter((t) => [declined, cancelled, adminCancelled].includes(t.eventId))).toEqual([]);
    expect(causes(await fullHistory(server, declined))).toEqual(['create', 'decline']);
    expect(causes(await fullHistory(server, cancelled))).toEqual(['create', 'approval', 'cancel']);
    expect(causes(await fullHistory(server, adminCancelled))).toEqual(['create', 'cancel']);
    for (const id of [declined, cancelled, adminCancelled]) {
      const got = await ok(server.api('GET', `/events/${id}`, { token: server.adminToken }), 200);
      expect(got.json.status).toBe(id === declined ? 'declined' : 'cancelled');
      expect(got.json.nextTransition).toBeNull();
      expect(watch.messages.filter((m) => about(id)(m) && m.type === 'transition' && m.data.cause === 'schedule')).toEqual([]);
    }
    // Declined is final for the workflow: it cannot be approved afterwards.
    expect((await server.api('POST', `/events/${declined}/approve`, { token: server.adminToken })).status).toBe(409);
    expect((await triggersOf(server, declined)).length).toBe(0);
  });

  test('kairos doctor --json finds nothing wrong at the end', async () => {
    const s = await scheduler();
    expect(s.triggersQueued).toBe(0);
    const r = await runCli(['doctor', '--json'], { KAIROS_DB: server.dbPath });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: true, problems: [] });
    expect(report.checkedEvents).toBeGreaterThanOrEqual(5);
  });
});
