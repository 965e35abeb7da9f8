/**
 * The web app at `/`: the Vite build of packages/web, with every non-API path answered by its
 * index.html so client-side routes survive a reload. Hashed assets are cached for a year.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { KairosError } from '@kairos/core';
import type { FastifyPluginAsync } from 'fastify';

export const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/** Shown when the web app has not been built (e.g. `kairos serve` run before `npm run build:web`). */
const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kairos</title></head>
<body>
<h1>Kairos</h1>
<p>The API is running, but the web app has not been built. Run <code>npm run build:web</code> (or start with <code>npm start</code>, which builds it).</p>
<ul><li><a href="/docs">Interactive API documentation</a></li><li><a href="/api/v1/events">Events (JSON)</a></li></ul>
</body></html>`;

const isApiPath = (url: string) => /^\/(api|docs|metrics|healthz|readyz)(\/|$|\?)/.test(url);
/**
 * Files, not pages: a missing asset is a 404, not the app's index.html. Source maps are never
 * served (they would hand out the sources; the build makes none, and a stale one left in dist/
 * stays private).
 */
const isFilePath = (url: string) => /^\/assets\/|\.map(\?|$)/.test(url);

export const webRoutes: FastifyPluginAsync = async (app) => {
  const built = fs.existsSync(path.join(WEB_DIST, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: WEB_DIST,
      wildcard: false,
      index: false,
      allowedPath: (pathName) => !pathName.endsWith('.map'),
      // Ours (below), not send's default `max-age=0`, which overwrote it.
      cacheControl: false,
      setHeaders(res, file) {
        res.setHeader(
          'cache-control',
          file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }
  const index = built ? fs.readFileSync(path.join(WEB_DIST, 'index.html'), 'utf8') : NOT_BUILT;
  const page = async (
    request: { url: string },
    reply: { type: (t: string) => { header: (k: string, v: string) => { send: (b: string) => unknown } } },
  ) => {
    if (isApiPath(request.url) || isFilePath(request.url))
      throw new KairosError('not_found', `no route GET ${request.url.split('?')[0]}`);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index);
  };
  app.get('/', { schema: { hide: true } }, page);
  app.get('/*', { schema: { hide: true } }, page);
};
