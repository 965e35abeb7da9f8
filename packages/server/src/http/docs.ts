/**
 * The API docs: the OpenAPI document (`/api/v1/openapi.json`, `/docs/json`, `/docs/yaml`) and the
 * interactive page (`/docs`), made by @fastify/swagger and @fastify/swagger-ui — but only when one
 * of them is first requested. Loading and registering the two plugins at start cost every start
 * about 110 ms of CPU (one `kairos serve` on a new SQLite file to /readyz, /proc/<pid>/stat, 8 each,
 * interleaved: 900 → 790 ms median), paid now by the first docs request instead (its CPU 150 → 340 ms),
 * and most processes (nearly every test server, instances that only take API calls) never serve one.
 *
 * The routes are recorded as they are added (what @fastify/swagger's own onRoute hook records),
 * and on the first docs request an app of its own — never listening — is built with both plugins
 * and the recorded routes (same method, URL, schema and config; handlers are not needed to
 * describe a route), so the documents are the ones the plugins made when registered here directly.
 * The docs' URLs are this app's routes and forward to it; what it does not find is this app's 404.
 */
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import Fastify from 'fastify';

export const DOCS_PREFIX = '/docs';

/** @fastify/swagger-ui's routes under the prefix (its lib/routes.js; `/static/*` is @fastify/static's). */
const UI_ROUTES = ['', '/', '/static/index.html', '/static/swagger-initializer.js', '/json', '/yaml', '/static/*'];

/** Forwarded as the docs app sent them; the connection's own headers are this server's to set. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date']);

export interface ApiDocs {
  /** The OpenAPI document, built on the first call. */
  openapi(): Promise<unknown>;
}

type Recorded = Pick<RouteOptions, 'method' | 'url' | 'schema' | 'config'>;

type UiOptions = Omit<FastifySwaggerUiOptions, 'routePrefix'>;

export function registerApiDocs(
  app: FastifyInstance,
  swaggerOptions: FastifyDynamicSwaggerOptions,
  uiOptions: UiOptions,
): ApiDocs {
  const recorded: Recorded[] = [];
  let built: Promise<FastifyInstance> | null = null;
  const docsApp = () => {
    built ??= buildDocsApp(recorded, swaggerOptions, uiOptions).catch((error: unknown) => {
      built = null; // a failed build is retried by the next request
      throw error;
    });
    return built;
  };

  for (const url of UI_ROUTES) {
    app.route({
      method: 'GET',
      url: `${DOCS_PREFIX}${url}`,
      schema: { hide: true },
      handler: async (request, reply) => forward(await docsApp(), request, reply),
    });
  }
  // After the docs' own routes: the document describes the API, as the plugin's hook did.
  app.addHook('onRoute', (route) => {
    // HEAD routes are left out of the document by @fastify/swagger; the docs app adds its own.
    if (route.method === 'HEAD' || (Array.isArray(route.method) && route.method.includes('HEAD'))) return;
    recorded.push({ method: route.method, url: route.url, schema: route.schema, config: route.config });
  });
  return { openapi: async () => (await docsApp()).swagger() };
}

async function buildDocsApp(
  routes: Recorded[],
  swaggerOptions: FastifyDynamicSwaggerOptions,
  uiOptions: UiOptions,
): Promise<FastifyInstance> {
  const [{ default: fastifySwagger }, { default: fastifySwaggerUi }] = await Promise.all([
    import('@fastify/swagger'),
    import('@fastify/swagger-ui'),
  ]);
  const docs = Fastify({ logger: false });
  // The routes only describe themselves here: no request reaches them, so nothing is compiled.
  docs.setValidatorCompiler(() => () => true);
  docs.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await docs.register(fastifySwagger, swaggerOptions);
  await docs.register(fastifySwaggerUi, { ...uiOptions, routePrefix: DOCS_PREFIX });
  const described = () => {
    throw new Error('a described route is never called');
  };
  for (const route of routes) docs.route({ ...route, handler: described });
  await docs.ready();
  return docs;
}

/**
 * A GET to the docs app, for HEAD too: as for any GET route, Fastify then sends the headers of
 * the full answer (its length) without the body. What the docs app does not find is this app's
 * 404, under the docs' own policy header (as when the plugin's hooks wrapped it here).
 */
async function forward(docs: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const res = await docs.inject({ method: 'GET', url: request.url, headers: request.headers });
  const policy = res.headers['content-security-policy'];
  if (res.statusCode === 404) {
    if (policy !== undefined) reply.header('content-security-policy', policy);
    return reply.callNotFound();
  }
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined && !HOP_HEADERS.has(name)) reply.header(name, value);
  }
  reply.code(res.statusCode);
  // A redirect has no body, and no content type to invent for one.
  if (res.rawPayload.length === 0 && res.headers['content-type'] === undefined) return reply.send();
  return reply.send(res.rawPayload);
}
