import type { FastifyPluginAsync } from 'fastify';

/** The web app's place. Until the web app lands this page points people at the API and its docs. */
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kairos</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>Kairos</h1>
<p>Events whose status changes by itself at the exact moment their dates say.</p>
<ul><li><a href="/docs">Interactive API documentation</a></li>
<li><a href="/api/v1/events">Events (JSON)</a></li><li><a href="/api/v1/openapi.json">OpenAPI document</a></li></ul>
</body></html>`;

export const webRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
};
