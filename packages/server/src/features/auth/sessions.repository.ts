import type { Db } from '../../db/unit-of-work.ts';

export async function insertSession(db: Db, s: { tokenHash: string; userId: string; createdAt: number; expiresAt: number }) {
  await db.insertInto('sessions').values(s).execute();
}

export async function findSession(db: Db, tokenHash: string, now: number) {
  const row = await db
    .selectFrom('sessions')
    .select(['userId', 'expiresAt'])
    .where('tokenHash', '=', tokenHash)
    .where('expiresAt', '>', now)
    .executeTakeFirst();
  return row && { userId: row.userId, expiresAt: Number(row.expiresAt) };
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('tokenHash', '=', tokenHash).execute();
}

export async function deleteExpiredSessions(db: Db, now: number): Promise<void> {
  await db.deleteFrom('sessions').where('expiresAt', '<=', now).execute();
}
