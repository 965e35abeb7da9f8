/**
 * HTTP adapter for events: parse, call one service method, format. Visibility, permissions and
 * the write transaction all live in the service.
 */

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  EditEffects,
  EventCreateBody,
  EventPatchBody,
  EventView,
  editEffects,
  HistoryEntryView,
  isScheduled,
  KairosError,
  NO_REGISTRATIONS,
  nextTransition,
  Page,
  PHASES,
  parseInstant,
  type RegistrationCounts,
  STATUSES,
} from '@kairos/core';
import Type from 'typebox';
import type { Clock } from '../../clock.ts';
import { decodeCursor, encodeCursor, isTimeIdCursor } from '../../http/cursor.ts';
import { errors, IdParams, PageQuery } from '../../http/schemas.ts';
import { toHistoryView } from '../../live/messages.ts';
import type { EventRecord } from './event.record.ts';
import { etagOf, toEventView } from './event.view.ts';
import type { EventsService, ListQuery } from './events.service.ts';

const ListQuerySchema = Type.Object(
  {
    status: Type.Optional(Type.String({ description: `comma-separated: ${STATUSES.join(', ')}` })),
    phase: Type.Optional(Type.String({ description: `comma-separated: ${PHASES.join(', ')}` })),
    q: Type.Optional(Type.String({ maxLength: 200, description: 'text in title, venue or description' })),
    from: Type.Optional(Type.String({ description: 'events ending after this instant' })),
    to: Type.Optional(Type.String({ description: 'events starting before this instant' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);
const Reason = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });

const invalid = (path: string, message: string) =>
  new KairosError('validation_failed', `${path} ${message}`, [{ path, message }]);

function parseList(raw: string | undefined, allowed: readonly string[], path: string): string[] | null {
  if (raw === undefined || raw.trim() === '') return null;
  const values = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = values.find((v) => !allowed.includes(v));
  if (bad) throw invalid(path, `has unknown value "${bad}" (allowed: ${allowed.join(', ')})`);
  return values;
}

export function parseTime(raw: string | undefined, path: string): number | null {
  if (raw === undefined) return null;
  const parsed = parseInstant(raw, 'UTC');
  if (!parsed.ok) throw invalid(path, parsed.message);
  return parsed.at;
}

const isSeqCursor = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** Cache for no longer than the event stays as it is: max-age ends at the next transition. */
function cacheControl(e: EventRecord, now: number, personal: boolean): string {
  const next = isScheduled(e.status) ? nextTransition(e, now) : null;
  const untilNext = next ? Math.floor((next.at - now) / 1000) : 60;
  return `${personal ? 'private' : 'public'}, max-age=${Math.max(0, Math.min(60, untilNext))}, must-revalidate`;
}

export interface EventsRoutesDeps {
  events: EventsService;
  clock: Clock;
}

export const eventsRoutes: FastifyPluginAsyncTypebox<EventsRoutesDeps> = async (app, { events, clock }) => {
  // Counts are read after the write committed: one query for one event, one grouped query per page.
  const countsOf = async (e: EventRecord) => (await events.counts([e.id])).get(e.id) ?? NO_REGISTRATIONS;
  const view = (e: EventRecord, counts: RegistrationCounts) => toEventView(e, clock.now(), counts);
  const viewOne = async (e: EventRecord) => view(e, await countsOf(e));

  app.get(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary: 'List events, sorted by start',
        querystring: ListQuerySchema,
        response: { 200: Page(EventView), ...errors(400, 401) },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 50;
      const after = decodeCursor(q.cursor, isTimeIdCursor);
      const query: ListQuery = {
        statuses: parseList(q.status, STATUSES, 'status'),
        phases: parseList(q.phase, PHASES, 'phase'),
        q: q.q?.trim() || null,
        from: parseTime(q.from, 'from'),
        to: parseTime(q.to, 'to'),
        limit: limit + 1,
        after: after && { startsAt: after[0], id: after[1] },
      };
      const rows = await events.list(request.viewer, query);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const counts = await events.counts(page.map((e) => e.id));
      return {
        items: page.map((e) => view(e, counts.get(e.id) ?? NO_REGISTRATIONS)),
        nextCursor: rows.length > limit && last ? encodeCursor([last.startsAt, last.id]) : null,
      };
    },
  );

  app.post(
    '/events',
    {
      config: { access: 'user', sessionInWrite: true },
      schema: {
        tags: ['events'],
        summary: 'Create an event (draft, pending approval, or approved when an admin creates it)',
        body: EventCreateBody,
        response: { 201: EventView, ...errors(400, 401, 403, 413, 415) },
      },
    },
    async (request, reply) => {
      const event = await events.create(request.viewer, request.body);
      reply.header('location', `/api/v1/events/${encodeURIComponent(event.id)}`).header('etag', etagOf(event, NO_REGISTRATIONS));
      return reply.status(201).send(view(event, NO_REGISTRATIONS));
    },
  );

  app.get(
    '/events/:id',
    {
      schema: {
        tags: ['events'],
        summary: 'Read one event (ETag, and Cache-Control ending at the next transition)',
        params: IdParams,
        response: { 200: EventView, 304: Type.Null(), ...errors(404) },
      },
    },
    async (request, reply) => {
      const event = await events.get(request.viewer, request.params.id);
      const counts = await countsOf(event);
      const etag = etagOf(event, counts);
      reply.header('etag', etag).header('cache-control', cacheControl(event, clock.now(), request.user !== null));
      const inm = request.headers['if-none-match'];
      if (inm?.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return reply.status(304).send(null);
      return view(event, counts);
    },
  );

  app.patch(
    '/events/:id',
    {
      config: { access: 'user', sessionInWrite: true },
      schema: {
        tags: ['events'],
        summary: 'Edit an event; If-Match or body version guards against lost updates; ?dryRun=true previews',
        params: IdParams,
        querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        body: EventPatchBody,
        response: {
          200: Type.Union([EventView, Type.Object({ event: EventView, effects: EditEffects })]),
          ...errors(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const dryRun = request.query.dryRun === true;
      // The counts as the edit left them, read under the event's lock: no second query.
      const { event, plan, counts } = await events.patch(
        request.viewer,
        request.params.id,
        request.body,
        { ifMatch: request.headers['if-match'], version: request.body.version },
        dryRun,
      );
      if (!dryRun) {
        reply.header('etag', etagOf(event, counts));
        return view(event, counts);
      }
      return { event: view(event, counts), effects: editEffects(plan) };
    },
  );

  app.delete(
    '/events/:id',
    {
      config: { access: 'user' },
      schema: {
        tags: ['events'],
        summary: 'Delete an event (its history stays)',
        params: IdParams,
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await events.remove(request.viewer, request.params.id);
      return reply.status(204).send(null);
    },
  );

  const action = (name: 'submit' | 'approve', summary: string) =>
    app.post(
      `/events/:id/${name}`,
      {
        config: { access: 'user' },
        schema: {
          tags: ['workflow'],
          summary,
          params: IdParams,
          response: { 200: EventView, ...errors(401, 403, 404, 409) },
        },
      },
      async (request) => viewOne(await events[name](request.viewer, request.params.id)),
    );
  action('submit', 'Submit a draft for approval (an admin’s submission is approved at once)');
  action('approve', 'Approve a pending event: its status becomes the one of this instant');

  const withReason = (name: 'decline' | 'cancel', summary: string) =>
    app.post(
      `/events/:id/${name}`,
      {
        config: { access: 'user' },
        schema: {
          tags: ['workflow'],
          summary,
          params: IdParams,
          body: Reason,
          response: { 200: EventView, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (request) => viewOne(await events[name](request.viewer, request.params.id, request.body.reason)),
    );
  withReason('decline', 'Decline a pending event, with a reason');
  withReason('cancel', 'Cancel an event, with a reason (terminal)');

  app.get(
    '/events/:id/history',
    {
      schema: {
        tags: ['events'],
        summary: 'History of an event, oldest first',
        params: IdParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(HistoryEntryView), ...errors(400, 404) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const after = decodeCursor(request.query.cursor, isSeqCursor) ?? 0;
      const rows = await events.history(request.viewer, request.params.id, after, limit + 1);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { items: page.map(toHistoryView), nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null };
    },
  );
};
