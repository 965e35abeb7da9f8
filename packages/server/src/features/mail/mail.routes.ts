/** HTTP adapter for an event's mail outbox (SPEC §14): never the bodies, which hold the attendee's link. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { formatInstant, formatOptional, KairosError, MailItemView, Page } from '@kairos/core';
import Type from 'typebox';
import { errors, IdParams, PageQuery } from '../../http/schemas.ts';
import type { MailService } from './mail.service.ts';
import type { OutboxRecord } from './outbox.record.ts';

const ListQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });

const encodeCursor = (r: OutboxRecord): string => Buffer.from(JSON.stringify([r.createdAt, r.id])).toString('base64url');
function decodeCursor(raw: string | undefined): { createdAt: number; id: string } | null {
  if (raw === undefined) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && Number.isFinite(v[0]) && typeof v[1] === 'string')
      return { createdAt: v[0], id: v[1] };
  } catch {
    // falls through to the error below
  }
  throw new KairosError('validation_failed', 'cursor is not a cursor this server issued', [
    { path: 'cursor', message: 'is not a cursor this server issued' },
  ]);
}

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
      const rows = await mail.list(request.viewer, request.params.id, decodeCursor(request.query.cursor), limit + 1);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      reply.header('cache-control', 'no-store');
      return { items: page.map(view), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
    },
  );
};
