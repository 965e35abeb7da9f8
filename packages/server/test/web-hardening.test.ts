/**
 * The web app's responses carry a Content-Security-Policy and the usual security headers, and
 * no source map is ever served (issue 10 "Smaller"). The browser side — the built app runs under
 * this policy without a single violation — is packages/web/test/e2e-hardening.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WEB_DIST } from '../src/http/web.ts';
import { startServer, stopAll, type TestServer } from './support/server.ts';

const ASSETS = path.join(WEB_DIST, 'assets');
// A map left behind by an older build (or planted): the server must not hand it out either.
const PLANTED = path.join(ASSETS, 'planted-by-web-hardening-test.js.map');

let server: TestServer;

beforeAll(async () => {
  expect(fs.existsSync(path.join(WEB_DIST, 'index.html')), 'run `npm run build:web` first').toBe(true);
  fs.writeFileSync(PLANTED, '{"version":3,"sources":["secret.ts"],"mappings":""}');
  server = await startServer();
});

afterAll(async () => {
  fs.rmSync(PLANTED, { force: true });
  await stopAll();
});

const directives = (csp: string): Map<string, string[]> =>
  new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name as string, values]),
  );

describe('web app hardening', () => {
  test('pages get a strict Content-Security-Policy: own origin only, nothing inline, no framing', async () => {
    for (const url of ['/', '/events/some-id', '/login']) {
      const r = await server.request('GET', url);
      expect(r.status).toBe(200);
      const csp = directives(r.headers.get('content-security-policy') ?? '');
      expect(csp.get('default-src')).toEqual(["'self'"]);
      expect(csp.get('script-src')).toEqual(["'self'"]);
      expect(csp.get('style-src')).toEqual(["'self'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.get('base-uri')).toEqual(["'self'"]);
      expect(csp.has('upgrade-insecure-requests')).toBe(false);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      expect(r.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(r.headers.has('x-powered-by')).toBe(false);
    }
    // The API answers carry them too (a JSON error page cannot be framed or sniffed into HTML).
    const api = await server.api('GET', '/events');
    expect(api.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test('the interactive API docs get their own policy allowing exactly their inline scripts, by hash', async () => {
    const r = await server.request('GET', '/docs/static/index.html');
    expect(r.status).toBe(200);
    const csp = directives(r.headers.get('content-security-policy') ?? '');
    expect(csp.get('script-src')?.[0]).toBe("'self'");
    expect(
      csp
        .get('script-src')
        ?.slice(1)
        .every((v) => v.startsWith("'sha256-")),
    ).toBe(true);
    expect(csp.get('script-src')).not.toContain("'unsafe-inline'");
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
    // Its bundle injects <style> elements at run time: inline styles, never inline scripts, on this page only.
    expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
  });

  test('the docs, built on their first request, are one document under every URL; HEAD and 404 answer as for any route', async () => {
    const [openapi, json, yaml] = await Promise.all([
      server.api('GET', '/openapi.json'),
      server.request('GET', '/docs/json'),
      server.request('GET', '/docs/yaml'),
    ]);
    expect(openapi.status).toBe(200);
    expect(json.json).toEqual(openapi.json);
    expect(openapi.json.paths['/api/v1/events/{id}'].get).toBeDefined();
    expect(yaml.headers.get('content-type')).toContain('application/x-yaml');
    expect(yaml.text).toContain('/api/v1/events/{id}:');
    // HEAD: the length of the whole answer, no body (http/docs.ts forwards a GET).
    const css = await server.request('GET', '/docs/static/swagger-ui.css');
    const head = await server.request('HEAD', '/docs/static/swagger-ui.css');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(Number(head.headers.get('content-length'))).toBe(Buffer.byteLength(css.text));
    // A file the docs do not have is this API's 404, under the docs' policy.
    const missing = await server.request('GET', '/docs/static/missing.js');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('not_found');
    expect(directives(missing.headers.get('content-security-policy') ?? '').get('style-src')).toEqual([
      "'self'",
      "'unsafe-inline'",
    ]);
  });

  test('no source maps: the build makes none, and none is served, even one left in dist/', async () => {
    const files = fs.readdirSync(ASSETS);
    const scripts = files.filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    expect(files.filter((f) => f.endsWith('.map') && f !== path.basename(PLANTED))).toEqual([]);
    for (const file of scripts) {
      expect(fs.readFileSync(path.join(ASSETS, file), 'utf8')).not.toMatch(/sourceMappingURL/);
      // The script itself is served, cached for a year (content-hashed name).
      const js = await server.request('GET', `/assets/${file}`);
      expect(js.status).toBe(200);
      expect(js.headers.get('cache-control')).toContain('immutable');
      const map = await server.request('GET', `/assets/${file}.map`);
      expect(map.status).toBe(404);
      expect(map.json.error.code).toBe('not_found');
    }
    const planted = await server.request('GET', `/assets/${path.basename(PLANTED)}`);
    expect(planted.status).toBe(404);
    expect(planted.text).not.toContain('secret.ts');
    // A missing asset is a 404 too, not the app's index.html.
    expect((await server.request('GET', '/assets/nope.js')).status).toBe(404);
    expect((await server.request('GET', '/main.js.map')).status).toBe(404);
  });
});
