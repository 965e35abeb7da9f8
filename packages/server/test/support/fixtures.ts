/**
 * The fixtures every suite shares, so a test reads as the spec's sentence and not as plumbing:
 * "an organizer", "an event with these dates", "this answers 201". Answers are typed by the
 * response schemas in @kairos/core, the same types the web app uses.
 */
import type { EventView, UserView } from '@kairos/core';
import { expect } from 'vitest';
import type { ApiResponse, TestServer } from './server.ts';

export const ORGANIZER_PASSWORD = 'organizer-password-1234';

/** The answer, after checking its status (the body is shown when it differs). */
export async function ok(r: Promise<ApiResponse> | ApiResponse, status: number): Promise<ApiResponse> {
  const res = await r;
  expect(res.status, res.text).toBe(status);
  return res;
}

/** A new organizer account, signed in. */
export async function addOrganizer(
  server: TestServer,
  email: string,
  password = ORGANIZER_PASSWORD,
): Promise<{ id: string; token: string; user: UserView }> {
  const json = { email, name: email.split('@')[0], role: 'organizer', password };
  const user = (await ok(server.api('POST', '/users', { token: server.adminToken, json }), 201)).json as UserView;
  return { id: user.id, token: await server.login(email, password), user };
}

/** An event created through the API (as the admin unless `token` says otherwise): the answered event. */
export async function createEvent(
  server: TestServer,
  body: Record<string, unknown>,
  token = server.adminToken,
): Promise<EventView> {
  return (await ok(server.api('POST', '/events', { token, json: body }), 201)).json as EventView;
}
