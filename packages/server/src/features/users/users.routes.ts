/** `GET /users` and `POST /users` (admin): parse, call the account service, format. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { UserCreateBody, UserView } from '@kairos/core';
import Type from 'typebox';
import { requireRole } from '../../http/auth.ts';
import { errors } from '../../http/schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { toUserView } from './user.view.ts';

export const usersRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService }> = async (app, { auth }) => {
  app.get(
    '/users',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'List users (admin)',
        response: { 200: Type.Object({ items: Type.Array(UserView), nextCursor: Type.Null() }), ...errors(401, 403) },
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
        body: UserCreateBody,
        response: { 201: UserView, ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      requireRole(request, 'admin');
      const user = await auth.createUser(request.body);
      return reply.status(201).send(toUserView(user));
    },
  );
};
