import { normalizeEmail, type Role } from '@kairos/core';
import { prepare } from '../../db/compiled.ts';
import type { Db } from '../../db/unit-of-work.ts';

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
  createdAt: number;
}

const toUser = (r: {
  id: string;
  email: string;
  name: string;
  role: string;
  passwordHash: string;
  createdAt: unknown;
}): UserRecord => ({
  ...r,
  role: r.role as Role,
  createdAt: Number(r.createdAt),
});

export async function findUserByEmail(db: Db, email: string): Promise<UserRecord | undefined> {
  const row = await db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
  return row && toUser(row);
}

export async function findUser(db: Db, id: string): Promise<UserRecord | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toUser(row);
}

/**
 * The user behind an unexpired session, with the session's end: one query for what every
 * authenticated request asks (a round trip is the main cost of a request on PostgreSQL).
 */
export async function findUserBySession(
  db: Db,
  tokenHash: string,
  now: number,
): Promise<{ user: UserRecord; expiresAt: number } | undefined> {
  const [row] = (await userBySession.execute(db, { tokenHash, now })).rows;
  if (!row) return undefined;
  const { expiresAt, ...user } = row;
  return { user: toUser(user), expiresAt: Number(expiresAt) };
}

const userBySession = prepare((db, p: { tokenHash: string; now: number }) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.userId')
    .selectAll('users')
    .select('sessions.expiresAt')
    .where('sessions.tokenHash', '=', p.tokenHash)
    .where('sessions.expiresAt', '>', p.now),
);

export async function insertUser(db: Db, user: UserRecord): Promise<void> {
  await db
    .insertInto('users')
    .values({ ...user, email: normalizeEmail(user.email) })
    .execute();
}

export async function updateUserPassword(db: Db, id: string, passwordHash: string, role: Role): Promise<void> {
  await db.updateTable('users').set({ passwordHash, role }).where('id', '=', id).execute();
}

export async function listUsers(db: Db): Promise<UserRecord[]> {
  const rows = await db.selectFrom('users').selectAll().orderBy('createdAt').orderBy('id').execute();
  return rows.map(toUser);
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
