/** Webhooks admin API (SPEC §12): parse, call one service method, format. Admin only. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Page, WebhookCreateBody, WebhookCreated, WebhookDeliveryView, WebhookPatchBody, WebhookView } from '@kairos/core';
import Type from 'typebox';
import { decodeCursor, encodeCursor } from '../../http/cursor.ts';
import { errors, IdParams, PageQuery } from '../../http/schemas.ts';
import { toDeliveryView, toWebhookView } from './webhook.view.ts';
import type { WebhooksService } from './webhooks.service.ts';

const DeliveryParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  deliveryId: Type.String({ minLength: 1, maxLength: 100 }),
});
const PageOnly = Type.Object(PageQuery, { additionalProperties: false });

const isOrdCursor = (v: unknown): v is [number] => Array.isArray(v) && v.length === 1 && Number.isSafeInteger(v[0]);

export const webhooksRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhooksService }> = async (app, { webhooks }) => {
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'private, no-store');
  });

  app.post(
    '/webhooks',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Register an endpoint (admin); the answer is the only one that shows its signing secret',
        body: WebhookCreateBody,
        response: { 201: WebhookCreated, ...errors(400, 401, 403, 413, 415) },
      },
    },
    async (request, reply) => {
      const w = await webhooks.create(request.body);
      reply.header('location', `/api/v1/webhooks/${encodeURIComponent(w.id)}`);
      return reply.status(201).send({ ...toWebhookView(w), secret: w.secret });
    },
  );

  app.get(
    '/webhooks',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'List endpoints (admin), oldest first',
        response: { 200: Page(WebhookView), ...errors(401, 403) },
      },
    },
    async () => ({ items: (await webhooks.list()).map(toWebhookView), nextCursor: null }),
  );

  app.get(
    '/webhooks/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Read an endpoint (admin)',
        params: IdParams,
        response: { 200: WebhookView, ...errors(401, 403, 404) },
      },
    },
    async (request) => toWebhookView(await webhooks.get(request.params.id)),
  );

  app.patch(
    '/webhooks/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Change an endpoint (admin): url, types, description, active',
        params: IdParams,
        body: WebhookPatchBody,
        response: { 200: WebhookView, ...errors(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request) => toWebhookView(await webhooks.update(request.params.id, request.body)),
  );

  app.delete(
    '/webhooks/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Remove an endpoint and its delivery log (admin)',
        params: IdParams,
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await webhooks.remove(request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'The delivery log of an endpoint (admin), newest first',
        params: IdParams,
        querystring: PageOnly,
        response: { 200: Page(WebhookDeliveryView), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await webhooks.deliveries(
        request.params.id,
        decodeCursor(request.query.cursor, isOrdCursor)?.[0] ?? null,
        limit + 1,
      );
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { items: page.map(toDeliveryView), nextCursor: rows.length > limit && last ? encodeCursor([last.ord]) : null };
    },
  );

  app.post(
    '/webhooks/:id/deliveries/:deliveryId/retry',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Attempt a delivery again now (admin)',
        params: DeliveryParams,
        response: { 200: WebhookDeliveryView, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => toDeliveryView(await webhooks.retry(request.params.id, request.params.deliveryId)),
  );
};
