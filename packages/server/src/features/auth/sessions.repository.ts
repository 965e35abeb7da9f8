import type { Db } from '../../db/unit-of-work.ts';

export async function insertSession(db: Db, s: { tokenHash: string; userId: string; createdAt: number; expiresAt: number }) {
  await db.insertInto('sessions').values(s).execute();
}

/** For each of these sessions still unexpired and whose user still exists: the user's role now. */
export async function sessionsWithRoles(db: Db, tokenHashes: readonly string[], now: number): Promise<Map<string, string>> {
  const roles = new Map<string, string>();
  // Chunked: SQLite caps bound parameters (32 766) and a signed-in crowd may exceed a few hundred.
  for (let i = 0; i < tokenHashes.length; i += 500) {
    const rows = await db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.userId')
      .select(['sessions.tokenHash', 'users.role'])
      .where('sessions.tokenHash', 'in', tokenHashes.slice(i, i + 500))
      .where('sessions.expiresAt', '>', now)
      .execute();
    for (const r of rows) roles.set(r.tokenHash, r.role);
  }
  return roles;
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('tokenHash', '=', tokenHash).execute();
}

/** Deletes sessions expired at `now`; how many. */
export async function deleteExpiredSessions(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expiresAt', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
