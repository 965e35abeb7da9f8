import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SchedulerStatus } from '@kairos/core';
import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '../db/store.ts';
import { errors } from '../http/schemas.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { Metrics } from './metrics.ts';

/** Health, readiness and metrics, outside /api/v1. */
export const opsRoutes: FastifyPluginAsync<{ store: Store; scheduler: Scheduler; metrics: Metrics }> = async (
  app,
  { store, scheduler, metrics },
) => {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const database = await store.ping();
    const ready = database && scheduler.running;
    return reply.status(ready ? 200 : 503).send({ ok: ready, database, scheduler: scheduler.running });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};

/** `GET /api/v1/scheduler` (admin). */
export const schedulerRoutes: FastifyPluginAsyncTypebox<{ scheduler: Scheduler }> = async (app, { scheduler }) => {
  app.get(
    '/scheduler',
    {
      config: { access: 'admin' },
      schema: { tags: ['ops'], summary: 'Scheduler status (admin)', response: { 200: SchedulerStatus, ...errors(401, 403) } },
    },
    async () => scheduler.status(),
  );
};
