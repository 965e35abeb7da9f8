/**
 * The `GET /events` list as index walks (issue 8). The visible, filtered set is a union of
 * "branches", one per (status, phase) pair it may contain (plus an organizer's own unpublished
 * events); each branch is one range of `events_status_phase_start` (or `events_owner_status_start`)
 * already in `(starts_at, id)` order, so each branch query reads at most `limit` index entries
 * past the cursor. The branches' first `limit` keys are merged in JS and only the winners' rows
 * are read. A single `status in (…) order by starts_at` would make SQLite sort every matching row
 * (172 ms for `status=upcoming` at 1M events; a few ms this way).
 *
 * `from` (events ending after it) cannot bound `starts_at` by itself; the longest event does:
 * `starts_at > from − longest` (read from `events_duration`, one index seek), and `ends_at > from`
 * is then checked on the index entry, with no table read.
 *
 * `q` — the whole trimmed string, a case-insensitive substring of title, venue or description:
 * - SQLite, 3+ characters: FTS5 trigram index. A rare string (few rows hold all its trigrams)
 *   is looked up in the index and its few rows sorted; a common one is checked row by row while
 *   walking the branches in order, since the first page is then found after a few rows.
 * - SQLite, 1–2 characters (below the trigram size) and PostgreSQL: `lower(col) like` while
 *   walking. On PostgreSQL, trigram GIN indexes on those expressions (migration 0006) let the
 *   planner look a rare string up instead of walking.
 */
import { PHASES_OF_STATUS, type Phase, STATUSES, type Status } from '@kairos/core';
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import { isSqlite } from '../../db/dialect.ts';
import type { Database } from '../../db/schema.ts';
import type { Db } from '../../db/unit-of-work.ts';

export interface ListFilter {
  statuses: string[] | null;
  phases: string[] | null;
  q: string | null;
  from: number | null;
  to: number | null;
  limit: number;
  after: { startsAt: number; id: string } | null;
  /** Visibility: statuses anyone may see, plus every status of events created by `ownerId`. */
  visibleStatuses: readonly string[] | null;
  ownerId: string | null;
}

interface Branch {
  status: Status;
  phase: Phase;
  /** Set for an organizer's own events of a status others may not see. */
  owner: string | null;
}

interface Key {
  startsAt: number;
  id: string;
}

type Where = ExpressionBuilder<Database, 'events'>;

export interface ListTuning {
  /**
   * Above this many rows matching `q` in the trigram index, walking in order and testing each row
   * beats reading the index's rows and sorting them. At 1M events (CPU per query, keys only): a
   * rare word (7 rows) 1.0 ms by the index; `workshop` (~45 % of rows) 13 ms by the walk, where
   * the index would hand over 450 000 rows to sort. Between ~2 000 and ~50 000 matches both plans
   * cost tens of ms (a known gap: the walk reads ~limit/density rows per branch).
   */
  ftsSetMax: number;
}

export const DEFAULT_TUNING: ListTuning = { ftsSetMax: 2_000 };

/** The keys `(startsAt, id)` of one page, in order. `tuning` exists for tests that force a plan. */
export async function listEventKeys(db: Db, f: ListFilter, tuning: ListTuning = DEFAULT_TUNING): Promise<Key[]> {
  const branches = branchesOf(f);
  if (branches.length === 0 || f.limit <= 0) return [];
  const lower = f.from === null ? null : f.from - (await longestEvent(db));
  const search = await searchPlan(db, f.q, tuning);
  const common = (eb: Where): Expression<SqlBool> => {
    const parts: Expression<SqlBool>[] = [];
    if (lower !== null) parts.push(eb('startsAt', '>', lower), eb('endsAt', '>', f.from as number));
    if (f.to !== null) parts.push(eb('startsAt', '<', f.to));
    if (f.after) parts.push(sql<SqlBool>`(starts_at, id) > (${f.after.startsAt}, ${f.after.id})`);
    if (search.kind !== 'none') parts.push(likeAny(eb, search.pattern));
    return eb.and(parts);
  };
  if (search.kind === 'fts') {
    // Few candidates: the index's rows, filtered and sorted; the branches become a filter.
    const candidates = sql<SqlBool>`events.rowid in (select value from json_each(${search.rowids}))`;
    const rows = await db
      .selectFrom('events')
      .select(['startsAt', 'id'])
      .where((eb) => eb.and([candidates, common(eb), eb.or(branches.map((b) => branchWhere(eb, b)))]))
      .orderBy('startsAt')
      .orderBy('id')
      .limit(f.limit)
      .execute();
    return rows.map(toKey);
  }
  const pages = await Promise.all(
    branches.map((b) =>
      db
        .selectFrom('events')
        .select(['startsAt', 'id'])
        .where((eb) => eb.and([branchWhere(eb, b), common(eb)]))
        .orderBy('startsAt')
        .orderBy('id')
        .limit(f.limit)
        .execute(),
    ),
  );
  return pages
    .flat()
    .map(toKey)
    .sort((a, b) => a.startsAt - b.startsAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, f.limit);
}

const toKey = (r: { startsAt: number | string; id: string }): Key => ({ startsAt: Number(r.startsAt), id: r.id });

function branchWhere(eb: Where, b: Branch): Expression<SqlBool> {
  const parts = [eb('status', '=', b.status), eb('phase', '=', b.phase)];
  if (b.owner !== null) parts.push(eb('createdBy', '=', b.owner));
  return eb.and(parts);
}

/** Every (status, phase) range the filter and the viewer's visibility allow. */
export function branchesOf(f: ListFilter): Branch[] {
  const wanted = (f.statuses ?? STATUSES) as readonly Status[];
  const phaseOk = (p: Phase) => f.phases === null || f.phases.includes(p);
  const out: Branch[] = [];
  for (const status of STATUSES) {
    if (!wanted.includes(status)) continue;
    const visible = f.visibleStatuses === null || f.visibleStatuses.includes(status);
    if (!visible && f.ownerId === null) continue;
    for (const phase of PHASES_OF_STATUS[status]) {
      if (phaseOk(phase)) out.push({ status, phase, owner: visible ? null : f.ownerId });
    }
  }
  return out;
}

/** The longest event's duration (0 when there is none): one seek of `events_duration`. */
async function longestEvent(db: Db): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select(sql<number>`ends_at - starts_at`.as('d'))
    .orderBy(sql`ends_at - starts_at`, 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? Number(row.d) : 0;
}

/**
 * Every plan keeps today's test, `lower(col) like '%q%'`, as the final word on a row, so the
 * answer is the same whichever plan runs (and on both dialects). The trigram index only narrows
 * the candidates: its Unicode case folding matches a superset of what the ASCII `lower()` does.
 */
type SearchPlan = { kind: 'none' } | { kind: 'like'; pattern: string } | { kind: 'fts'; pattern: string; rowids: string };

async function searchPlan(db: Db, q: string | null, tuning: ListTuning): Promise<SearchPlan> {
  if (!q) return { kind: 'none' };
  // % and _ typed by the user match themselves.
  const pattern = `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const chars = Array.from(q.toLowerCase());
  if (chars.length < 3 || !isSqlite(db)) return { kind: 'like', pattern };
  // The first ftsSetMax + 1 rows of the index: all of them for a rare string, proof of a common one.
  const match = `"${q.replace(/"/g, '""')}"`;
  const found = await sql<{
    rowid: number;
  }>`select rowid from events_fts where events_fts match ${match} limit ${tuning.ftsSetMax + 1}`.execute(db);
  if (found.rows.length > tuning.ftsSetMax) return { kind: 'like', pattern };
  return { kind: 'fts', pattern, rowids: JSON.stringify(found.rows.map((r) => r.rowid)) };
}

function likeAny(eb: Where, pattern: string): Expression<SqlBool> {
  const match = (col: 'title' | 'venue' | 'description') => sql<SqlBool>`lower(${sql.ref(col)}) like ${pattern} escape '\\'`;
  return eb.or([match('title'), match('venue'), match('description')]);
}
