/**
 * Who is asking: a Bearer token or the session cookie resolves to a user; otherwise the viewer
 * is public. A Bearer token that resolves to nobody is refused outright (401), while a stale
 * cookie just reads as public so an expired browser session can still browse.
 * Cookie-authenticated writes must come from our own origin (CSRF defence beside SameSite).
 */
import { KairosError, type Role, type Viewer } from '@kairos/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SessionCheck } from '../db/store.ts';
import type { AuthService } from '../features/auth/auth.service.ts';
import { attachSessionCheck, sessionCheckOf } from '../features/auth/session-check.ts';
import type { UserRecord } from '../features/users/users.repository.ts';

export const SESSION_COOKIE = 'kairos_session';

/** Route-level access: checked before the body is validated, so the public get 401, not 400. */
export type Access = 'user' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /**
     * The route's only effects are writes that pass the viewer's session check on
     * (`sessionCheckOf`): its session may come from the instance's cache (cluster mode).
     */
    sessionInWrite?: boolean;
  }
  interface FastifyRequest {
    viewer: Viewer;
    user: UserRecord | null;
    token: string | null;
  }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const INVALID_TOKEN = 'the token is invalid or expired; sign in again';

export function registerAuth(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('viewer', null as never);
  app.decorateRequest('user', null);
  app.decorateRequest('token', null);
  app.addHook('onRequest', async (request) => {
    request.viewer = { role: 'public' };
    const lookup = async (token: string) =>
      request.routeOptions.config?.sessionInWrite && !SAFE.has(request.method)
        ? auth.authenticateForWrite(token)
        : auth.authenticate(token).then((user) => user && { user, check: null });
    const header = request.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const found = m?.[1] ? await lookup(m[1]) : null;
      if (!found || !m?.[1]) throw new KairosError('unauthenticated', INVALID_TOKEN);
      setUser(request, found.user, m[1], found.check);
      return;
    }
    const cookie = request.cookies?.[SESSION_COOKIE];
    if (!cookie) return;
    const found = await lookup(cookie);
    if (!found) return;
    if (!SAFE.has(request.method) && !sameOrigin(request)) {
      throw new KairosError('forbidden', 'cross-site request refused; use a Bearer token or the app itself');
    }
    setUser(request, found.user, cookie, found.check);
  });
  // A session from the cache that no write checked (the request failed before writing, or had
  // nothing to write) is looked up now, before anything is answered: once it was revoked, the
  // answer is the 401 a lookup before the request would have given.
  // Not an async hook: every answer passes here, and nearly all go straight through.
  app.addHook('onSend', (request, reply, payload, done) => {
    const check = sessionCheckOf(request.viewer);
    const token = request.token;
    if (!check || check.verified || !token) return done(null, payload);
    auth.authenticate(token).then((user) => {
      if (user && user.id === check.userId && user.role === check.role) return done(null, payload);
      reply.removeHeader('etag');
      reply.removeHeader('location');
      reply.code(401).header('content-type', 'application/json; charset=utf-8');
      done(null, JSON.stringify(new KairosError('unauthenticated', INVALID_TOKEN).toBody()));
    }, done);
  });
  app.addHook('preValidation', async (request) => {
    const access = request.routeOptions.config?.access;
    if (access === 'admin') requireRole(request, 'admin');
    else if (access === 'user') requireUser(request);
  });
}

/** `check`: the session came from the instance's memory, to be verified by the write (or before the answer). */
function setUser(request: FastifyRequest, user: UserRecord, token: string, check: SessionCheck | null): void {
  request.user = user;
  request.token = token;
  request.viewer = { role: user.role, userId: user.id };
  if (check) attachSessionCheck(request.viewer, check);
}

/** Origin (or Referer) must name this host; browsers always send one on cross-site writes. */
function sameOrigin(request: FastifyRequest): boolean {
  const source = request.headers.origin ?? request.headers.referer;
  if (!source) return request.headers['sec-fetch-site'] !== 'cross-site';
  try {
    return new URL(source).host === request.headers.host;
  } catch {
    return false;
  }
}

export function requireUser(request: FastifyRequest): UserRecord {
  if (!request.user) throw new KairosError('unauthenticated', 'sign in first');
  return request.user;
}

export function requireRole(request: FastifyRequest, role: Role): UserRecord {
  const user = requireUser(request);
  if (user.role !== role) throw new KairosError('forbidden', `only an ${role} may do this`);
  return user;
}
