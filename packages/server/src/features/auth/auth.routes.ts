import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { LoginBody, LoginResponse, UserView } from '@kairos/core';
import Type from 'typebox';
import { requireUser, SESSION_COOKIE } from '../../http/auth.ts';
import { errors } from '../../http/schemas.ts';
import { toUserView } from '../users/user.view.ts';
import type { AuthService } from './auth.service.ts';

/** Sign-in, sign-out and who is signed in; the accounts themselves are features/users. */
export const authRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; secureCookies: boolean }> = async (
  app,
  { auth, secureCookies },
) => {
  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in: a bearer token and an HttpOnly session cookie',
        body: LoginBody,
        response: {
          200: LoginResponse,
          ...errors(400, 401, 429),
        },
      },
    },
    async (request, reply) => {
      const { token, user, expiresAt } = await auth.login(request.body.email, request.body.password, request.ip);
      reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookies,
        path: '/',
        expires: new Date(expiresAt),
      });
      return { token, expiresAt: new Date(expiresAt).toISOString(), user: toUserView(user) };
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { access: 'user' },
      schema: { tags: ['auth'], summary: 'Revoke this session', response: { 204: Type.Null(), ...errors(401) } },
    },
    async (request, reply) => {
      requireUser(request);
      if (request.token) await auth.logout(request.token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user',
        response: { 200: Type.Object({ user: UserView }), ...errors(401) },
      },
    },
    async (request) => ({ user: toUserView(requireUser(request)) }),
  );
};
