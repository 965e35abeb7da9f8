// @dialects sqlite postgres
/**
 * The permission matrix of SPEC §3 and §6, over real HTTP against a real `kairos serve`: every
 * route × {public (no token), the organizer who owns the event, another organizer, admin}, with
 * the EXACT status code (and error code) for each cell. Hidden events (draft, pending, declined)
 * read as 404 to whoever may not read them — a 403 would tell that they exist. Each matrix is
 * compared as one object, so a failure shows every wrong cell at once.
 *
 * Then the session rules: the HttpOnly SameSite cookie, logout revoking, one message for unknown
 * email and wrong password, the login rate limit, the CSRF origin check on cookie writes, user
 * objects without password material, security headers and a closed CORS policy.
 */
import { EditEffects, EventView, HistoryEntryView, SchedulerStatus, UserView } from '@kairos/core';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addOrganizer, ok } from './support/fixtures.ts';
import { type ApiResponse, DIALECT, startServer, stopAll, type TestServer } from './support/server.ts';

type Who = 'public' | 'owner' | 'other' | 'admin';
type Kind = 'draft' | 'pending' | 'declined' | 'approved' | 'cancelled';

const WHO: readonly Who[] = ['public', 'owner', 'other', 'admin'];
const KINDS: readonly Kind[] = ['draft', 'pending', 'declined', 'approved', 'cancelled'];
const HIDDEN: readonly Kind[] = ['draft', 'pending', 'declined'];
const STATUS_OF: Record<Kind, string> = {
  draft: 'draft',
  pending: 'pending_approval',
  declined: 'declined',
  approved: 'upcoming',
  cancelled: 'cancelled',
};

let server: TestServer;
const tokens: Record<Exclude<Who, 'public'>, string> = { owner: '', other: '', admin: '' };
const userIds: Record<Exclude<Who, 'public'>, string> = { owner: '', other: '', admin: '' };

// Far-future dates: nothing fires while the matrix runs.
let serial = 0;
function eventBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  serial++;
  const start = Date.UTC(2031, 5, 1, 10) + serial * 60_000;
  return {
    title: `Matrix event ${serial}`,
    startsAt: new Date(start).toISOString(),
    endsAt: new Date(start + 2 * 3600_000).toISOString(),
    ...extra,
  };
}

const tokenOf = (who: Who): string | undefined => (who === 'public' ? undefined : tokens[who]);

function call(who: Who, method: string, path: string, json?: unknown): Promise<ApiResponse> {
  return server.api(method, path, { token: tokenOf(who), json });
}

/** `status` or `status code` (e.g. `404 not_found`), the shape each matrix cell is compared in. */
function cell(r: ApiResponse): string {
  const code = r.json?.error?.code as string | undefined;
  if (r.status >= 500) return `${r.status} ${r.text}`;
  return code ? `${r.status} ${code}` : String(r.status);
}

/** A fresh event in the given state, created by the owner organizer (or by `by`). */
async function make(kind: Kind, by: Exclude<Who, 'public'> = 'owner'): Promise<string> {
  const draft = kind === 'draft';
  const created = await ok(call(by, 'POST', '/events', eventBody(draft ? { draft: true } : {})), 201);
  const id = created.json.id as string;
  if (by === 'admin' && !draft) {
    // An admin's event is approved at once; the hidden states need an organizer's event.
    if (kind !== 'approved' && kind !== 'cancelled') throw new Error(`an admin cannot make a ${kind} event directly`);
  } else if (kind === 'declined') {
    await ok(call('admin', 'POST', `/events/${id}/decline`, { reason: 'not this year' }), 200);
  } else if (kind === 'approved' || kind === 'cancelled') {
    await ok(call('admin', 'POST', `/events/${id}/approve`), 200);
  }
  if (kind === 'cancelled') await ok(call('admin', 'POST', `/events/${id}/cancel`, { reason: 'storm' }), 200);
  const got = await ok(call('admin', 'GET', `/events/${id}`), 200);
  expect(got.json.status).toBe(STATUS_OF[kind]);
  return id;
}

beforeAll(async () => {
  server = await startServer();
  tokens.admin = server.adminToken;
  const me = await ok(call('admin', 'GET', '/auth/me'), 200);
  userIds.admin = me.json.user.id as string;
  const owner = await addOrganizer(server, 'owner@example.test');
  const other = await addOrganizer(server, 'other@example.test');
  tokens.owner = owner.token;
  userIds.owner = owner.id;
  tokens.other = other.token;
  userIds.other = other.id;
});

afterAll(async () => {
  await stopAll();
});

describe('events: permission matrix (SPEC §3)', () => {
  let ids: Record<Kind, string>;

  beforeAll(async () => {
    ids = {} as Record<Kind, string>;
    for (const kind of KINDS) ids[kind] = await make(kind);
  });

  test('read one event: approved and cancelled for everyone; draft, pending, declined for admin and owner only', async () => {
    const actual: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const kind of KINDS) {
      for (const who of WHO) {
        const r = await call(who, 'GET', `/events/${ids[kind]}`);
        actual[`${kind} ${who}`] = cell(r);
        const visible = !HIDDEN.includes(kind) || who === 'admin' || who === 'owner';
        expected[`${kind} ${who}`] = visible ? '200' : '404 not_found';
        if (r.status === 200) expect(r.json).toMatchObject({ id: ids[kind], status: STATUS_OF[kind] });
      }
    }
    expect(actual).toEqual(expected);
  });

  test('history has the same visibility as the event', async () => {
    const actual: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const kind of KINDS) {
      for (const who of WHO) {
        const r = await call(who, 'GET', `/events/${ids[kind]}/history`);
        actual[`${kind} ${who}`] = cell(r);
        const visible = !HIDDEN.includes(kind) || who === 'admin' || who === 'owner';
        expected[`${kind} ${who}`] = visible ? '200' : '404 not_found';
        if (r.status === 200) {
          expect(r.json.items[0]).toMatchObject({ eventId: ids[kind], cause: 'create', from: null });
          expect(r.json.nextCursor).toBeNull();
        }
      }
    }
    expect(actual).toEqual(expected);
  });

  test('an unknown id is 404 for everyone, on reads and on writes alike', async () => {
    const actual: Record<string, string> = {};
    for (const who of WHO) {
      actual[`GET ${who}`] = cell(await call(who, 'GET', '/events/ev_does_not_exist'));
      actual[`history ${who}`] = cell(await call(who, 'GET', '/events/ev_does_not_exist/history'));
      if (who !== 'public') {
        actual[`PATCH ${who}`] = cell(await call(who, 'PATCH', '/events/ev_does_not_exist', { title: 'x' }));
        actual[`DELETE ${who}`] = cell(await call(who, 'DELETE', '/events/ev_does_not_exist'));
        actual[`cancel ${who}`] = cell(await call(who, 'POST', '/events/ev_does_not_exist/cancel', { reason: 'x' }));
      }
    }
    expect(actual).toEqual({
      'GET public': '404 not_found',
      'GET owner': '404 not_found',
      'GET other': '404 not_found',
      'GET admin': '404 not_found',
      'history public': '404 not_found',
      'history owner': '404 not_found',
      'history other': '404 not_found',
      'history admin': '404 not_found',
      'PATCH owner': '404 not_found',
      'PATCH other': '404 not_found',
      'PATCH admin': '404 not_found',
      'DELETE owner': '404 not_found',
      'DELETE other': '404 not_found',
      'DELETE admin': '404 not_found',
      'cancel owner': '404 not_found',
      'cancel other': '404 not_found',
      'cancel admin': '404 not_found',
    });
  });

  test('list: 200 for everyone; public and the other organizer see only approved and cancelled; owner and admin see all five', async () => {
    const all = new Set(Object.values(ids));
    for (const who of WHO) {
      const r = await call(who, 'GET', '/events?limit=200');
      expect(r.status, `${who}: ${r.text}`).toBe(200);
      const seen = (r.json.items as Array<{ id: string; status: string }>).filter((e) => all.has(e.id));
      const visible = KINDS.filter((k) => !HIDDEN.includes(k) || who === 'admin' || who === 'owner');
      expect(new Set(seen.map((e) => e.id)), who).toEqual(new Set(visible.map((k) => ids[k])));
      if (who === 'public' || who === 'other') {
        for (const e of r.json.items as Array<{ status: string; createdBy: string }>) {
          // Whatever other suites-in-this-file created: never a hidden event of someone else.
          expect(['upcoming', 'ongoing', 'completed', 'cancelled'], JSON.stringify(e)).toContain(e.status);
        }
      }
      // Filtering by a hidden status does not widen what a viewer may see.
      const drafts = await call(who, 'GET', '/events?status=draft,pending_approval,declined&limit=200');
      expect(drafts.status).toBe(200);
      const hiddenSeen = (drafts.json.items as Array<{ id: string }>).map((e) => e.id).filter((id) => all.has(id));
      expect(new Set(hiddenSeen), who).toEqual(new Set(who === 'admin' || who === 'owner' ? HIDDEN.map((k) => ids[k]) : []));
    }
  });

  test('create: public 401 (before validation), organizer 201 pending_approval, admin 201 approved, draft for both', async () => {
    const pub = await call('public', 'POST', '/events', eventBody());
    expect(cell(pub)).toBe('401 unauthenticated');
    // Access is checked before the body: the public learn nothing from validation.
    expect(cell(await call('public', 'POST', '/events', { nonsense: true }))).toBe('401 unauthenticated');

    const org = await call('owner', 'POST', '/events', eventBody());
    expect(org.status, org.text).toBe(201);
    expect(org.json).toMatchObject({ status: 'pending_approval', phase: 'pending_approval', createdBy: userIds.owner });
    expect(org.json.nextTransition).toBeNull();
    expect(org.headers.get('location')).toBe(`/api/v1/events/${org.json.id}`);

    const adm = await call('admin', 'POST', '/events', eventBody());
    expect(adm.status, adm.text).toBe(201);
    expect(adm.json).toMatchObject({ status: 'upcoming', phase: 'scheduled', createdBy: userIds.admin });
    expect(adm.json.nextTransition).toMatchObject({ status: 'ongoing', phase: 'in_progress' });
    expect(adm.headers.get('location')).toBe(`/api/v1/events/${adm.json.id}`);

    // Read-only fields in the body are ignored: an organizer cannot approve or re-own by writing them.
    const sneaky = await call(
      'owner',
      'POST',
      '/events',
      eventBody({ status: 'upcoming', phase: 'scheduled', createdBy: userIds.admin }),
    );
    expect(sneaky.status, sneaky.text).toBe(201);
    expect(sneaky.json).toMatchObject({ status: 'pending_approval', createdBy: userIds.owner });
    const patched = await call('owner', 'PATCH', `/events/${sneaky.json.id}`, { status: 'upcoming', createdBy: userIds.other });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json).toMatchObject({ status: 'pending_approval', createdBy: userIds.owner });
    expect(cell(await call('other', 'GET', `/events/${sneaky.json.id}`))).toBe('404 not_found');

    for (const who of ['owner', 'admin'] as const) {
      const d = await call(who, 'POST', '/events', eventBody({ draft: true }));
      expect(d.status, d.text).toBe(201);
      expect(d.json).toMatchObject({ status: 'draft', phase: 'draft', nextTransition: null });
    }
  });

  test('edit (PATCH): public 401; other organizer 403 on a public event, 404 on a hidden one; owner 200 except declined/cancelled (403); admin 200', async () => {
    const actual: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const kind of KINDS) {
      for (const who of WHO) {
        const title = `Edited by ${who} (${kind})`;
        const r = await call(who, 'PATCH', `/events/${ids[kind]}`, { title });
        actual[`${kind} ${who}`] = cell(r);
        let want: string;
        if (who === 'public') want = '401 unauthenticated';
        else if (who === 'admin') want = '200';
        else if (who === 'other') want = HIDDEN.includes(kind) ? '404 not_found' : '403 forbidden';
        else want = kind === 'declined' || kind === 'cancelled' ? '403 forbidden' : '200';
        expected[`${kind} ${who}`] = want;
        if (r.status === 200) expect(r.json).toMatchObject({ id: ids[kind], title, status: STATUS_OF[kind] });
      }
    }
    expect(actual).toEqual(expected);
  });

  test('delete: public 401; other organizer 403/404; owner only own draft and pending (204), else 403; admin any (204)', async () => {
    const actual: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const kind of KINDS) {
      for (const who of WHO) {
        const id = await make(kind);
        const r = await call(who, 'DELETE', `/events/${id}`);
        actual[`${kind} ${who}`] = cell(r);
        let want: string;
        if (who === 'public') want = '401 unauthenticated';
        else if (who === 'admin') want = '204';
        else if (who === 'other') want = HIDDEN.includes(kind) ? '404 not_found' : '403 forbidden';
        else want = kind === 'draft' || kind === 'pending' ? '204' : '403 forbidden';
        expected[`${kind} ${who}`] = want;
        // A refused delete changed nothing; a done one is gone for everyone.
        const after = await call('admin', 'GET', `/events/${id}`);
        expect(after.status).toBe(r.status === 204 ? 404 : 200);
      }
    }
    expect(actual).toEqual(expected);
  });

  test('a deleted event: its history stays readable to the admin only, and ends with a delete entry', async () => {
    const byOwner = await make('draft');
    const byAdmin = await make('approved');
    expect((await call('owner', 'DELETE', `/events/${byOwner}`)).status).toBe(204);
    expect((await call('admin', 'DELETE', `/events/${byAdmin}`)).status).toBe(204);
    for (const [id, actor] of [
      [byOwner, userIds.owner],
      [byAdmin, userIds.admin],
    ] as const) {
      const actual: Record<string, string> = {};
      for (const who of WHO) actual[who] = cell(await call(who, 'GET', `/events/${id}/history`));
      expect(actual).toEqual({ public: '404 not_found', owner: '404 not_found', other: '404 not_found', admin: '200' });
      const h = await call('admin', 'GET', `/events/${id}/history`);
      const items = h.json.items as Array<{ cause: string; actor: string | null; eventId: string }>;
      expect(items[0]?.cause).toBe('create');
      expect(items[items.length - 1]).toMatchObject({ cause: 'delete', actor, eventId: id });
      expect(cell(await call('admin', 'GET', `/events/${id}`))).toBe('404 not_found');
    }
  });

  for (const action of ['approve', 'decline'] as const) {
    test(`${action}: admin 200 from pending, 409 invalid_state otherwise; organizer 403 (404 on another's hidden event); public 401`, async () => {
      const body = action === 'decline' ? { reason: 'not a fit' } : undefined;
      const actual: Record<string, string> = {};
      const expected: Record<string, string> = {};
      for (const kind of KINDS) {
        for (const who of WHO) {
          const id = await make(kind);
          const r = await call(who, 'POST', `/events/${id}/${action}`, body);
          actual[`${kind} ${who}`] = cell(r);
          let want: string;
          if (who === 'public') want = '401 unauthenticated';
          else if (who === 'admin') want = kind === 'pending' ? '200' : '409 invalid_state';
          else if (who === 'other') want = HIDDEN.includes(kind) ? '404 not_found' : '403 forbidden';
          else want = '403 forbidden';
          expected[`${kind} ${who}`] = want;
          if (r.status === 200) {
            expect(r.json).toMatchObject({ id, status: action === 'approve' ? 'upcoming' : 'declined' });
          } else {
            // Refused: the state did not move.
            expect((await call('admin', 'GET', `/events/${id}`)).json.status).toBe(STATUS_OF[kind]);
          }
        }
      }
      expect(actual).toEqual(expected);
    });
  }

  test('decline needs a reason (400 for the admin, still 401 for the public)', async () => {
    const id = await make('pending');
    expect(cell(await call('admin', 'POST', `/events/${id}/decline`))).toBe('400 validation_failed');
    expect(cell(await call('admin', 'POST', `/events/${id}/decline`, {}))).toBe('400 validation_failed');
    expect(cell(await call('public', 'POST', `/events/${id}/decline`))).toBe('401 unauthenticated');
    expect((await call('admin', 'GET', `/events/${id}`)).json.status).toBe('pending_approval');
  });

  test('submit: draft → pending for the owner, draft → approved for an admin; 409 from any other state', async () => {
    const actual: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const kind of KINDS) {
      for (const who of WHO) {
        const id = await make(kind);
        const r = await call(who, 'POST', `/events/${id}/submit`);
        actual[`${kind} ${who}`] = cell(r);
        let want: string;
        if (who === 'public') want = '401 unauthenticated';
        else if (who === 'other') want = HIDDEN.includes(kind) ? '404 not_found' : '403 forbidden';
        else want = kind === 'draft' ? '200' : '409 invalid_state';
        expected[`${kind} ${who}`] = want;
        if (r.status === 200) {
          expect(r.json.status).toBe(who === 'admin' ? 'upcoming' : 'pending_approval');
          const h = await call('admin', 'GET', `/events/${id}/history`);
          expect(h.json.items.map((e: { cause: string }) => e.cause)).toEqual(['create', who === 'admin' ? 'approval' : 'edit']);
        }
      }
    }
    expect(actual).toEqual(expected);
    // An admin's own draft, submitted, is approved at once too.
    const own = await ok(call('admin', 'POST', '/events', eventBody({ draft: true })), 201);
    const sub = await call('admin', 'POST', `/events/${own.json.id}/submit`);
    expect(sub.status, sub.text).toBe(200);
    expect(sub.json).toMatchObject({ status: 'upcoming', phase: 'scheduled' });
  });

  test('cancel: admin or owner 200 on an approved event; other organizer 403; public 401; cancelled is terminal (409)', async () => {
    const actual: Record<string, string> = {};
    for (const who of WHO) {
      const id = await make('approved');
      const r = await call(who, 'POST', `/events/${id}/cancel`, { reason: 'rain' });
      actual[who] = cell(r);
      if (r.status === 200) {
        expect(r.json).toMatchObject({ id, status: 'cancelled', phase: 'cancelled', nextTransition: null });
        // Terminal: cancelling again, editing its state back, approving or submitting it is refused.
        expect(cell(await call(who, 'POST', `/events/${id}/cancel`, { reason: 'again' }))).toBe('409 invalid_state');
        expect(cell(await call('admin', 'POST', `/events/${id}/approve`))).toBe('409 invalid_state');
        expect(cell(await call('admin', 'POST', `/events/${id}/submit`))).toBe('409 invalid_state');
        expect((await call('public', 'GET', `/events/${id}`)).json.status).toBe('cancelled');
      } else {
        expect((await call('admin', 'GET', `/events/${id}`)).json.status).toBe('upcoming');
      }
    }
    expect(actual).toEqual({ public: '401 unauthenticated', owner: '200', other: '403 forbidden', admin: '200' });

    // Someone else's hidden event reads as absent, to the other organizer's cancel too.
    const pending = await make('pending');
    expect(cell(await call('other', 'POST', `/events/${pending}/cancel`, { reason: 'x' }))).toBe('404 not_found');
    // A declined event is not cancellable; a cancelled one stays cancelled for every role.
    const declined = await make('declined');
    expect(cell(await call('admin', 'POST', `/events/${declined}/cancel`, { reason: 'x' }))).toBe('409 invalid_state');
    const cancelled = await make('cancelled');
    for (const who of ['owner', 'admin'] as const) {
      expect(cell(await call(who, 'POST', `/events/${cancelled}/cancel`, { reason: 'x' }))).toBe('409 invalid_state');
    }
  });

  test('cancelling a never-approved event (draft, pending) is refused: it would publish it', async () => {
    for (const kind of ['draft', 'pending'] as const) {
      for (const who of ['owner', 'admin'] as const) {
        const id = await make(kind);
        expect(cell(await call(who, 'POST', `/events/${id}/cancel`, { reason: 'x' })), `${kind} ${who}`).toBe(
          '409 invalid_state',
        );
        expect(cell(await call('public', 'GET', `/events/${id}`))).toBe('404 not_found');
      }
    }
  });

  test('an admin-created event follows the same read rules (public once approved)', async () => {
    const id = await make('approved', 'admin');
    for (const who of WHO) expect(cell(await call(who, 'GET', `/events/${id}`)), who).toBe('200');
    // Another organizer's edit of it (and the owner organizer's, who does not own it) is 403.
    expect(cell(await call('owner', 'PATCH', `/events/${id}`, { title: 'mine?' }))).toBe('403 forbidden');
    expect(cell(await call('owner', 'DELETE', `/events/${id}`))).toBe('403 forbidden');
    expect(cell(await call('owner', 'POST', `/events/${id}/cancel`, { reason: 'x' }))).toBe('403 forbidden');
  });
});

describe('admin-only routes', () => {
  test('GET /scheduler, GET /users, POST /users: admin 200/201, organizer 403, public 401', async () => {
    const actual: Record<string, string> = {};
    let n = 0;
    for (const who of WHO) {
      actual[`scheduler ${who}`] = cell(await call(who, 'GET', '/scheduler'));
      actual[`users ${who}`] = cell(await call(who, 'GET', '/users'));
      n++;
      const body = { email: `new${n}@example.test`, name: 'New', role: 'organizer', password: 'long-enough-password' };
      actual[`create user ${who}`] = cell(await call(who, 'POST', '/users', body));
    }
    expect(actual).toEqual({
      'scheduler public': '401 unauthenticated',
      'scheduler owner': '403 forbidden',
      'scheduler other': '403 forbidden',
      'scheduler admin': '200',
      'users public': '401 unauthenticated',
      'users owner': '403 forbidden',
      'users other': '403 forbidden',
      'users admin': '200',
      'create user public': '401 unauthenticated',
      'create user owner': '403 forbidden',
      'create user other': '403 forbidden',
      'create user admin': '201',
    });
    // Refused creations created nothing.
    const list = await call('admin', 'GET', '/users');
    const emails = (list.json.items as Array<{ email: string }>).map((u) => u.email);
    expect(emails).toContain('new4@example.test');
    for (const refused of ['new1@example.test', 'new2@example.test', 'new3@example.test']) expect(emails).not.toContain(refused);
  });

  test('scheduler status has the SPEC §6 shape', async () => {
    const r = await ok(call('admin', 'GET', '/scheduler'), 200);
    expect(r.json).toMatchObject({ mode: DIALECT === 'postgres' ? 'cluster' : 'embedded', running: true });
    expect(typeof r.json.triggersQueued).toBe('number');
    expect(Array.isArray(r.json.upcoming)).toBe(true);
    expect(Object.keys(r.json.lateness).sort()).toEqual(['count', 'maxMs', 'p50Ms', 'p99Ms']);
    expect(typeof r.json.lateness.count).toBe('number');
  });

  test('each answer matches its one response schema in core, and /openapi.json documents those schemas', async () => {
    const matches = (schema: TSchema, json: unknown) => expect(Value.Check(schema, json), JSON.stringify(json)).toBe(true);
    matches(SchedulerStatus, (await ok(call('admin', 'GET', '/scheduler'), 200)).json);
    const id = await make('approved');
    const event = (await ok(call('admin', 'GET', `/events/${id}`), 200)).json;
    matches(EventView, event);
    const moved = { startsAt: new Date(Date.parse(event.startsAt) + 60_000).toISOString() };
    const dryRun = (await ok(call('admin', 'PATCH', `/events/${id}?dryRun=true`, moved), 200)).json;
    matches(EventView, dryRun.event);
    matches(EditEffects, dryRun.effects);
    expect(dryRun.effects.triggers).toContainEqual(expect.objectContaining({ trigger: 'event_start', change: 'moved' }));
    for (const h of (await ok(call('admin', 'GET', `/events/${id}/history`), 200)).json.items) matches(HistoryEntryView, h);
    for (const u of (await ok(call('admin', 'GET', '/users'), 200)).json.items) matches(UserView, u);
    matches(UserView, (await ok(call('owner', 'GET', '/auth/me'), 200)).json.user);

    const doc = (await ok(server.request('GET', '/api/v1/openapi.json'), 200)).json;
    const answer = (path: string, method: string) => doc.paths[path][method].responses['200'].content['application/json'].schema;
    const keys = (schema: { properties: object }) => Object.keys(schema.properties).sort();
    expect(keys(answer('/api/v1/scheduler', 'get'))).toEqual(keys(SchedulerStatus));
    expect(keys(answer('/api/v1/events/{id}', 'get'))).toEqual(keys(EventView));
    const preview = answer('/api/v1/events/{id}', 'patch').anyOf.find((s: { properties: object }) => 'effects' in s.properties);
    expect(keys(preview.properties.effects)).toEqual(keys(EditEffects));
  });

  test('POST /users with a short password is 400 naming password; user objects never carry a password or hash', async () => {
    const short = await call('admin', 'POST', '/users', {
      email: 'short@example.test',
      role: 'organizer',
      password: 'elevenchars',
    });
    expect(cell(short)).toBe('400 validation_failed');
    expect(short.json.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'password' })]));
    expect(((await call('admin', 'GET', '/users')).json.items as Array<{ email: string }>).map((u) => u.email)).not.toContain(
      'short@example.test',
    );

    const created = await ok(
      call('admin', 'POST', '/users', {
        email: 'shape@example.test',
        name: 'Shape',
        role: 'organizer',
        password: 'a-very-secret-pass',
      }),
      201,
    );
    const login = await ok(
      server.api('POST', '/auth/login', { json: { email: 'shape@example.test', password: 'a-very-secret-pass' } }),
      200,
    );
    const me = await ok(server.api('GET', '/auth/me', { token: login.json.token }), 200);
    const list = await ok(call('admin', 'GET', '/users'), 200);
    const users = [created.json, login.json.user, me.json.user, ...list.json.items];
    for (const u of users) {
      expect(Object.keys(u).sort()).toEqual(['createdAt', 'email', 'id', 'name', 'role']);
      const text = JSON.stringify(u).toLowerCase();
      expect(text).not.toContain('password');
      expect(text).not.toContain('hash');
      expect(text).not.toContain('scrypt');
      expect(text).not.toContain('a-very-secret-pass');
    }
    for (const r of [created, login, me, list]) expect(r.text).not.toContain('a-very-secret-pass');
  });
});

describe('sessions and browser security', () => {
  const EMAIL = 'cookie@example.test';
  const PASS = 'cookie-user-password';

  beforeAll(async () => {
    await ok(call('admin', 'POST', '/users', { email: EMAIL, role: 'organizer', password: PASS }), 201);
  });

  async function loginWithCookie(): Promise<{ token: string; cookie: string; setCookie: string }> {
    const r = await ok(server.api('POST', '/auth/login', { json: { email: EMAIL, password: PASS } }), 200);
    const setCookie = r.headers.getSetCookie().find((c) => c.startsWith('kairos_session=')) ?? '';
    const cookie = setCookie.split(';')[0] ?? '';
    return { token: r.json.token as string, cookie, setCookie };
  }

  test('login sets an HttpOnly, SameSite session cookie that works for GET /auth/me', async () => {
    const { token, cookie, setCookie } = await loginWithCookie();
    expect(setCookie).not.toBe('');
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=(Lax|Strict)/i);
    expect(setCookie).toMatch(/;\s*Path=\//i);
    expect(cookie).toBe(`kairos_session=${token}`);
    const me = await server.api('GET', '/auth/me', { headers: { cookie } });
    expect(me.status, me.text).toBe(200);
    expect(me.json.user).toMatchObject({ email: EMAIL, role: 'organizer' });
    // Without anything: 401.
    expect(cell(await server.api('GET', '/auth/me'))).toBe('401 unauthenticated');
    // A Bearer token that is not a session is refused outright, even on a public read.
    expect(cell(await server.api('GET', '/events', { token: 'not-a-token' }))).toBe('401 unauthenticated');
    expect(cell(await server.api('GET', '/events', { headers: { authorization: 'Basic abc' } }))).toBe('401 unauthenticated');
    // A cookie that is not a session reads as public: public pages still work.
    expect((await server.api('GET', '/events', { headers: { cookie: 'kairos_session=stale' } })).status).toBe(200);
    expect(cell(await server.api('GET', '/auth/me', { headers: { cookie: 'kairos_session=stale' } }))).toBe(
      '401 unauthenticated',
    );
  });

  test('logout revokes the token: /auth/me with it is 401 afterwards (Bearer and cookie alike)', async () => {
    const a = await loginWithCookie();
    expect((await server.api('GET', '/auth/me', { token: a.token })).status).toBe(200);
    const out = await server.api('POST', '/auth/logout', { token: a.token });
    expect(out.status, out.text).toBe(204);
    expect(cell(await server.api('GET', '/auth/me', { token: a.token }))).toBe('401 unauthenticated');
    expect(cell(await server.api('GET', '/auth/me', { headers: { cookie: a.cookie } }))).toBe('401 unauthenticated');
    // A revoked Bearer token is refused on a write too, not treated as public.
    expect(cell(await server.api('POST', '/events', { token: a.token, json: eventBody() }))).toBe('401 unauthenticated');

    // Logging out with the cookie (same origin, as the web app does) revokes that session too.
    const b = await loginWithCookie();
    const outB = await server.api('POST', '/auth/logout', { headers: { cookie: b.cookie, origin: server.url } });
    expect(outB.status, outB.text).toBe(204);
    expect(cell(await server.api('GET', '/auth/me', { token: b.token }))).toBe('401 unauthenticated');
    // Other sessions of the same user are untouched.
    const c = await loginWithCookie();
    expect((await server.api('GET', '/auth/me', { token: c.token })).status).toBe(200);
  });

  test('wrong password and unknown email get the same 401 and the same message', async () => {
    const wrong = await server.api('POST', '/auth/login', { json: { email: EMAIL, password: 'not-the-password' } });
    const unknown = await server.api('POST', '/auth/login', {
      json: { email: 'nobody@example.test', password: 'not-the-password' },
    });
    expect(cell(wrong)).toBe('401 unauthenticated');
    expect(cell(unknown)).toBe('401 unauthenticated');
    expect(wrong.json).toEqual(unknown.json);
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  test('11 failed logins for one email: the 11th is 429 with Retry-After, even with the right password', async () => {
    const email = 'locked@example.test';
    const password = 'locked-user-password';
    await ok(call('admin', 'POST', '/users', { email, role: 'organizer', password }), 201);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await server.api('POST', '/auth/login', { json: { email, password: `wrong-${i}-password` } })).status);
    }
    expect(statuses).toEqual(Array(10).fill(401));
    const eleventh = await server.api('POST', '/auth/login', { json: { email, password: 'wrong-11-password' } });
    expect(cell(eleventh)).toBe('429 rate_limited');
    const retryAfter = Number(eleventh.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    const right = await server.api('POST', '/auth/login', { json: { email, password } });
    expect(cell(right)).toBe('429 rate_limited');
    expect(right.headers.get('retry-after')).not.toBeNull();
    // Other accounts are not locked out.
    expect((await server.api('POST', '/auth/login', { json: { email: EMAIL, password: PASS } })).status).toBe(200);
  });

  test('a cookie-authenticated write from a foreign Origin is refused (403); the same with a Bearer token works', async () => {
    const { token, cookie } = await loginWithCookie();
    const foreign = 'https://evil.example';
    const viaCookie = await server.api('POST', '/events', { json: eventBody(), headers: { cookie, origin: foreign } });
    expect(cell(viaCookie)).toBe('403 forbidden');
    const viaReferer = await server.api('POST', '/events', {
      json: eventBody(),
      headers: { cookie, referer: `${foreign}/page` },
    });
    expect(cell(viaReferer)).toBe('403 forbidden');
    const crossSite = await server.api('POST', '/events', {
      json: eventBody(),
      headers: { cookie, 'sec-fetch-site': 'cross-site' },
    });
    expect(cell(crossSite)).toBe('403 forbidden');
    // Nothing was created by the refused writes.
    const mine = await server.api('GET', '/events?limit=200', { token });
    const before = (mine.json.items as unknown[]).length;

    const viaBearer = await server.api('POST', '/events', { token, json: eventBody(), headers: { origin: foreign } });
    expect(viaBearer.status, viaBearer.text).toBe(201);
    expect(viaBearer.json.status).toBe('pending_approval');
    // The cookie from our own origin works for writes, and for reads from anywhere.
    const sameOrigin = await server.api('POST', '/events', { json: eventBody(), headers: { cookie, origin: server.url } });
    expect(sameOrigin.status, sameOrigin.text).toBe(201);
    const read = await server.api('GET', '/auth/me', { headers: { cookie, origin: foreign } });
    expect(read.status).toBe(200);
    const after = await server.api('GET', '/events?limit=200', { token });
    expect((after.json.items as unknown[]).length).toBe(before + 2);
  });

  test('security headers are present; no CORS grant for a foreign Origin by default', async () => {
    const r = await server.api('GET', '/events', { headers: { origin: 'https://evil.example' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).not.toBeNull();
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    expect(r.headers.get('access-control-allow-credentials')).toBeNull();
    expect(r.headers.get('x-powered-by')).toBeNull();

    const preflight = await server.api('OPTIONS', '/events', {
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.status).toBeLessThan(500);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();

    const err = await server.api('GET', '/events/ev_nope');
    expect(err.headers.get('x-content-type-options')).toBe('nosniff');
    expect(err.headers.get('content-type')).toMatch(/^application\/json/);
  });
});
