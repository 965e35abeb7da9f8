/**
 * The world the fuzz attacks: an organizer, events in every state (draft, pending, declined,
 * cancelled, registration open, in progress, certificates available), registrations with their
 * tokens. Every boundary is at least a day from now, so nothing fires while the fuzz runs.
 */

import type { IdPool } from './fuzz-requests.ts';
import type { TestServer } from './server.ts';

export const FUZZ_ORGANIZER = { email: 'fuzz-org@example.test', password: 'fuzz-organizer-password' };
const DAY = 86_400_000;

export async function seedWorld(server: TestServer): Promise<{ pool: IdPool; organizerToken: string }> {
  const admin = server.adminToken;
  const must = async (method: string, path: string, token: string, json?: unknown) => {
    const r = await server.api(method, path, { token, json });
    if (r.status >= 300) throw new Error(`seed ${method} ${path}: ${r.status} ${r.text}`);
    return r.json;
  };
  const org = await must('POST', '/users', admin, { ...FUZZ_ORGANIZER, name: 'Fuzz Organizer', role: 'organizer' });
  const organizerToken = await server.login(FUZZ_ORGANIZER.email, FUZZ_ORGANIZER.password);
  const now = Date.now();
  const at = (days: number) => new Date(now + days * DAY).toISOString();
  const base = { title: 'Seed', timezone: 'Asia/Kathmandu', capacity: 2 };
  const open = await must('POST', '/events', admin, {
    ...base,
    title: 'Registration open',
    registrationOpensAt: at(-2),
    registrationClosesAt: at(5),
    startsAt: at(6),
    endsAt: at(7),
  });
  const running = await must('POST', '/events', admin, { ...base, title: 'In progress', startsAt: at(-1), endsAt: at(3) });
  const certs = await must('POST', '/events', admin, {
    ...base,
    title: 'Certificates',
    startsAt: at(-5),
    endsAt: at(-4),
    certificatesOpenAt: at(-3),
    certificatesCloseAt: at(30),
  });
  const future = { startsAt: at(60), endsAt: at(61) };
  const draft = await must('POST', '/events', organizerToken, { ...base, ...future, title: 'Draft', draft: true });
  const pending = await must('POST', '/events', organizerToken, { ...base, ...future, title: 'Pending' });
  const declined = await must('POST', '/events', organizerToken, { ...base, ...future, title: 'Declined' });
  await must('POST', `/events/${declined.id}/decline`, admin, { reason: 'no' });
  const cancelled = await must('POST', '/events', admin, { ...base, ...future, title: 'Cancelled' });
  await must('POST', `/events/${cancelled.id}/cancel`, admin, { reason: 'no' });
  const pool: IdPool = {
    events: [open.id, running.id, certs.id, draft.id, pending.id, declined.id, cancelled.id],
    registrations: [],
    tokens: [],
    users: [org.id],
    etags: [],
  };
  for (let i = 0; i < 3; i++) {
    const r = await must('POST', `/events/${open.id}/registrations`, '', { name: `Seed ${i}`, email: `seed${i}@example.test` });
    pool.registrations.push(r.id);
    pool.tokens.push(r.token);
  }
  for (const id of pool.events) {
    const etag = (await server.api('GET', `/events/${id}`, { token: admin })).headers.get('etag');
    if (etag) pool.etags.push(etag);
  }
  return { pool, organizerToken };
}
