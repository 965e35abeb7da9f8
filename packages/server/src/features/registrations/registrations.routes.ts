/**
 * HTTP adapter for attendees (SPEC §11): parse, call one service method, format. The attendee
 * token travels in the query string (a link in an email); the request logger drops query
 * strings, so it never reaches a log.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Page, RegistrationCreateBody, RegistrationCreated, RegistrationView } from '@kairos/core';
import Type from 'typebox';
import { decodeCreatedCursor, encodeCursor } from '../../http/cursor.ts';
import { errors, IdParams, PageQuery } from '../../http/schemas.ts';
import { toCsv, toRegistrationView } from './registration.view.ts';
import type { RegistrationsService } from './registrations.service.ts';

const TokenQuery = Type.Object(
  { token: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])), ...PageQuery },
  { additionalProperties: false },
);
const CheckInBody = Type.Object(
  { registrationId: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);

export const registrationsRoutes: FastifyPluginAsyncTypebox<{ registrations: RegistrationsService }> = async (
  app,
  { registrations },
) => {
  app.post(
    '/events/:id/registrations',
    {
      schema: {
        tags: ['attendees'],
        summary: 'Register for an event (only while registration is open); a waitlist position once it is full',
        params: IdParams,
        body: RegistrationCreateBody,
        response: { 201: RegistrationCreated, ...errors(400, 404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const { registration: r, token } = await registrations.register(
        request.viewer,
        request.params.id,
        request.body,
        request.ip,
      );
      reply.header('location', `/api/v1/registrations/${encodeURIComponent(r.id)}`).header('cache-control', 'no-store');
      return reply.status(201).send({ id: r.id, eventId: r.eventId, status: r.status, position: r.position, token });
    },
  );

  app.get(
    '/registrations/:id',
    {
      schema: {
        tags: ['attendees'],
        summary: 'Read a registration: the attendee with ?token=…, or an admin / the event’s organizer',
        params: IdParams,
        querystring: TokenQuery,
        response: { 200: RegistrationView, ...errors(400, 401, 404) },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'private, no-store');
      return toRegistrationView(await registrations.get(request.viewer, request.params.id, request.query.token));
    },
  );

  app.delete(
    '/registrations/:id',
    {
      schema: {
        tags: ['attendees'],
        summary: 'Cancel a registration; a freed place goes to the first on the waitlist in the same transaction',
        params: IdParams,
        querystring: TokenQuery,
        response: { 200: RegistrationView, ...errors(400, 401, 404, 409) },
      },
    },
    async (request) => toRegistrationView(await registrations.cancel(request.viewer, request.params.id, request.query.token)),
  );

  app.get(
    '/events/:id/registrations',
    {
      config: { access: 'user' },
      schema: {
        tags: ['attendees'],
        summary: 'Registrations of an event, in creation order (admin, the event’s organizer); ?format=csv for a file',
        params: IdParams,
        querystring: ListQuery,
        produces: ['application/json', 'text/csv'],
        response: { 200: Page(RegistrationView), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { format, cursor } = request.query;
      reply.header('cache-control', 'private, no-store');
      if (format === 'csv') {
        const rows = await registrations.list(request.viewer, request.params.id, null, null);
        const file = `registrations-${request.params.id.replace(/[^\w-]/g, '_')}.csv`;
        return (
          reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="${file}"`)
            // A string with a non-JSON content type is sent as is (the JSON schema above is not applied).
            .send(toCsv(rows) as never)
        );
      }
      const limit = request.query.limit ?? 50;
      const rows = await registrations.list(request.viewer, request.params.id, decodeCreatedCursor(cursor), limit + 1);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map(toRegistrationView),
        nextCursor: rows.length > limit && last ? encodeCursor([last.createdAt, last.id]) : null,
      };
    },
  );

  app.post(
    '/events/:id/checkins',
    {
      config: { access: 'user' },
      schema: {
        tags: ['attendees'],
        summary: 'Check an attendee in (only while the event is in progress; admin, the event’s organizer)',
        params: IdParams,
        body: CheckInBody,
        response: { 200: RegistrationView, ...errors(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) =>
      toRegistrationView(await registrations.checkIn(request.viewer, request.params.id, request.body.registrationId)),
  );

  app.get(
    '/registrations/:id/certificate.pdf',
    {
      schema: {
        tags: ['attendees'],
        summary: 'The attendance certificate (only while certificates are available, only after a check-in)',
        params: IdParams,
        querystring: TokenQuery,
        produces: ['application/pdf'],
        response: { 200: Type.Unknown({ description: 'application/pdf' }), ...errors(400, 401, 404, 409) },
      },
    },
    async (request, reply) => {
      const pdf = await registrations.certificate(request.viewer, request.params.id, request.query.token);
      return reply
        .type('application/pdf')
        .header('cache-control', 'private, no-store')
        .header('content-disposition', `inline; filename="certificate-${request.params.id.replace(/[^\w-]/g, '_')}.pdf"`)
        .send(Buffer.from(pdf));
    },
  );
};
