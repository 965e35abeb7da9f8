import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ROLES } from '@kairos/core';
import Type from 'typebox';
import { requireRole, requireUser, SESSION_COOKIE } from '../../http/auth.ts';
import { errors, UserResponse } from '../../http/schemas.ts';
import { type AuthService, toUserView } from './auth.service.ts';

const Login = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);
const NewUser = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320 }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    role: Type.Union(ROLES.map((r) => Type.Literal(r))),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

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
        body: Login,
        response: {
          200: Type.Object({ token: Type.String(), expiresAt: Type.String(), user: UserResponse }),
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
        response: { 200: Type.Object({ user: UserResponse }), ...errors(401) },
      },
    },
    async (request) => ({ user: toUserView(requireUser(request)) }),
  );

  app.get(
    '/users',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'List users (admin)',
        response: { 200: Type.Object({ items: Type.Array(UserResponse), nextCursor: Type.Null() }), ...errors(401, 403) },
      },
    },
    async (request) => {
      requireRole(request, 'admin');
      return { items: (await auth.listUsers()).map(toUserView), nextCursor: null };
    },
  );

  app.post(
    '/users',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Create a user (admin)',
        body: NewUser,
        response: { 201: UserResponse, ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      requireRole(request, 'admin');
      const user = await auth.createUser(request.body);
      return reply.status(201).send(toUserView(user));
    },
  );
};
