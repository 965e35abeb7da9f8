/**
 * Firings as the server recorded them, read from its SQLite file (read-only, beside it): the
 * history's `lateMs` of each scheduled `event_start`. The stream may lag behind the firing; this
 * does not.
 */
import Database from 'better-sqlite3';

export function firedLateness(dbPath: string, titlePrefix: string): number[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const rows = db
      .prepare(
        `select h.late_ms as late from history h join events e on e.id = h.event_id
         where h.trigger = 'event_start' and h.cause in ('schedule', 'recovery') and e.title like ?`,
      )
      .all(`${titlePrefix}%`) as Array<{ late: number }>;
    return rows.map((r) => r.late);
  } finally {
    db.close();
  }
}
