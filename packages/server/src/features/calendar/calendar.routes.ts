/** HTTP adapter for calendar feeds (SPEC §13): parse, call the service, answer text/calendar. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errors, IdParams } from '../../http/schemas.ts';
import { parseTime } from '../events/events.routes.ts';
import { CALENDAR_CONTENT_TYPE } from './calendar.ics.ts';
import type { CalendarService } from './calendar.service.ts';

const Ics = Type.String({ description: 'an iCalendar (RFC 5545) document, text/calendar' });

export const calendarRoutes: FastifyPluginAsyncTypebox<{ calendar: CalendarService }> = async (app, { calendar }) => {
  app.get(
    '/calendar.ics',
    {
      schema: {
        tags: ['calendar'],
        summary: 'Every approved event (cancelled ones with STATUS:CANCELLED) as an iCalendar feed',
        querystring: Type.Object(
          {
            from: Type.Optional(Type.String({ description: 'events ending after this instant' })),
            to: Type.Optional(Type.String({ description: 'events starting before this instant' })),
          },
          { additionalProperties: false },
        ),
        produces: ['text/calendar'],
        response: { 200: Ics, ...errors(400) },
      },
    },
    async (request, reply) => {
      const body = await calendar.feed(parseTime(request.query.from, 'from'), parseTime(request.query.to, 'to'));
      // Calendar apps poll a subscription; a minute of caching spares the list walk without hiding much.
      return reply.type(CALENDAR_CONTENT_TYPE).header('cache-control', 'public, max-age=60').send(body);
    },
  );

  app.get(
    '/events/:id/calendar.ics',
    {
      schema: {
        tags: ['calendar'],
        summary: 'One event as an iCalendar file, for whoever may read the event',
        params: IdParams,
        produces: ['text/calendar'],
        response: { 200: Ics, ...errors(404) },
      },
    },
    async (request, reply) => {
      const body = await calendar.one(request.viewer, request.params.id);
      return reply
        .type(CALENDAR_CONTENT_TYPE)
        .header('cache-control', request.user ? 'private, no-cache' : 'public, max-age=60')
        .header('content-disposition', 'attachment; filename="event.ics"')
        .send(body);
    },
  );
};
