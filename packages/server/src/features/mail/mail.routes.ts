/** HTTP adapter for an event's mail outbox (SPEC §14): never the bodies, which hold the attendee's link. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { formatInstant, formatOptional, MailItemView, Page } from '@kairos/core';
import Type from 'typebox';
import { decodeCreatedCursor, encodeCursor } from '../../http/cursor.ts';
import { errors, IdParams, PageQuery } from '../../http/schemas.ts';
import type { MailService } from './mail.service.ts';
import type { OutboxRecord } from './outbox.record.ts';

const ListQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });

const view = (r: OutboxRecord): MailItemView => ({
  id: r.id,
  kind: r.kind,
  to: r.to,
  status: r.status,
  attempts: r.attempts,
  sentAt: formatOptional(r.sentAt),
  lastError: r.lastError,
  createdAt: formatInstant(r.createdAt),
});

export const mailRoutes: FastifyPluginAsyncTypebox<{ mail: MailService }> = async (app, { mail }) => {
  app.get(
    '/events/:id/mail',
    {
      schema: {
        tags: ['attendees'],
        summary: 'The event’s attendee mail outbox, newest first (admin, or the event’s organizer)',
        params: IdParams,
        querystring: ListQuery,
        response: { 200: Page(MailItemView), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const limit = request.query.limit ?? 50;
      const rows = await mail.list(request.viewer, request.params.id, decodeCreatedCursor(request.query.cursor), limit + 1);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      reply.header('cache-control', 'no-store');
      return { items: page.map(view), nextCursor: rows.length > limit && last ? encodeCursor([last.createdAt, last.id]) : null };
    },
  );
};
