/**
 * Who is asking: a Bearer token or the session cookie resolves to a user; otherwise the viewer
 * is public. A Bearer token that resolves to nobody is refused outright (401), while a stale
 * cookie just reads as public so an expired browser session can still browse.
 * Cookie-authenticated writes must come from our own origin (CSRF defence beside SameSite).
 */
import { KairosError, type Role, type Viewer } from '@kairos/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthService } from '../features/auth/auth.service.ts';
import type { UserRecord } from '../features/users/users.repository.ts';

export const SESSION_COOKIE = 'kairos_session';

/** Route-level access: checked before the body is validated, so the public get 401, not 400. */
export type Access = 'user' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    viewer: Viewer;
    user: UserRecord | null;
    token: string | null;
  }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function registerAuth(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('viewer', null as never);
  app.decorateRequest('user', null);
  app.decorateRequest('token', null);
  app.addHook('onRequest', async (request) => {
    request.viewer = { role: 'public' };
    const header = request.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const user = m?.[1] ? await auth.authenticate(m[1]) : null;
      if (!user || !m?.[1]) throw new KairosError('unauthenticated', 'the token is invalid or expired; sign in again');
      setUser(request, user, m[1]);
      return;
    }
    const cookie = request.cookies?.[SESSION_COOKIE];
    if (!cookie) return;
    const user = await auth.authenticate(cookie);
    if (!user) return;
    if (!SAFE.has(request.method) && !sameOrigin(request)) {
      throw new KairosError('forbidden', 'cross-site request refused; use a Bearer token or the app itself');
    }
    setUser(request, user, cookie);
  });
  app.addHook('preValidation', async (request) => {
    const access = request.routeOptions.config?.access;
    if (access === 'admin') requireRole(request, 'admin');
    else if (access === 'user') requireUser(request);
  });
}

function setUser(request: FastifyRequest, user: UserRecord, token: string): void {
  request.user = user;
  request.token = token;
  request.viewer = { role: user.role, userId: user.id };
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
