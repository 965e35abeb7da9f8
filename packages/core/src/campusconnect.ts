/**
 * The `campusconnect` import (SPEC §15): records of the older system's MongoDB `events`
 * collection as `mongoexport` writes them. Its dates hold wall times of Asia/Kolkata stored as if
 * they were UTC, so each date's UTC fields are read back as a wall time without offset — which
 * `resolveEventFields` then reads in the source zone, DST and all, as any wall time sent to the API.
 */
import type { ErrorDetail } from './errors.ts';
import type { ImportIntent, ImportSource, Mapped } from './transfer.ts';
import { IMPORT_ID } from './transfer.ts';

export const CAMPUSCONNECT_ZONE = 'Asia/Kolkata';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `{"$date": "2026-12-01T10:00:00Z"}` (relaxed), `{"$date": {"$numberLong": "1764583200000"}}`
 * (canonical) or `{"$date": 1764583200000}` (legacy) → epoch ms; null when it is none of them.
 */
export function mongoDate(v: unknown): number | null {
  const inner = isObject(v) && '$date' in v ? v.$date : v;
  if (typeof inner === 'number') return Number.isFinite(inner) ? inner : null;
  if (isObject(inner) && typeof inner.$numberLong === 'string' && /^-?\d{1,16}$/.test(inner.$numberLong)) {
    return Number(inner.$numberLong);
  }
  // Relaxed form: ISO 8601 with a Z or an offset (mongoexport always writes one).
  if (typeof inner === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(inner)) {
    const at = Date.parse(inner);
    return Number.isNaN(at) ? null : at;
  }
  return null;
}

/** The wall time a "UTC" instant of the old system really meant: its UTC fields, no offset. */
const wallOf = (at: number): string => new Date(at).toISOString().slice(0, 23);

const DATE_MAP = [
  ['registration_start_date', 'registrationOpensAt'],
  ['registration_end_date', 'registrationClosesAt'],
  ['start_datetime', 'startsAt'],
  ['end_datetime', 'endsAt'],
] as const;

const APPROVAL: Record<string, ImportIntent> = {
  approved: 'approved',
  pending_approval: 'pending_approval',
  declined: 'declined',
};

/** One source date as a wall time, or a problem naming both the Kairos and the source field. */
function dateField(r: Record<string, unknown>, from: string, to: string, body: Record<string, unknown>, problems: ErrorDetail[]) {
  const raw = r[from];
  if (raw === undefined || raw === null) return;
  const at = mongoDate(raw);
  if (at === null || Number.isNaN(new Date(at).getTime())) {
    problems.push({ path: to, message: `${from} is not a MongoDB date ({"$date": …})` });
    return;
  }
  body[to] = wallOf(at);
}

/**
 * Map one record. `zone` is `--source-timezone`; a record may carry its own `timezone`, which
 * then wins (and is validated like any event's zone).
 */
export function mapCampusConnect(source: ImportSource, zone: string): Mapped {
  const { line, value: r } = source;
  if (!isObject(r))
    return { ok: false, rejected: { line, id: null, details: [{ path: '', message: 'the record must be a JSON object' }] } };
  const problems: ErrorDetail[] = [];
  const rawId = typeof r.event_id === 'number' && Number.isSafeInteger(r.event_id) ? String(r.event_id) : r.event_id;
  const id = typeof rawId === 'string' ? rawId : null;
  if (id === null) problems.push({ path: 'id', message: 'event_id is required (re-imports skip by it)' });
  else if (!IMPORT_ID.test(id)) problems.push({ path: 'id', message: 'event_id must be 1–64 of A-Z a-z 0-9 _ -' });

  const body: Record<string, unknown> = { timezone: typeof r.timezone === 'string' ? r.timezone : zone };
  if (r.event_name !== undefined && r.event_name !== null) body.title = r.event_name;
  const description = r.detailed_description ?? r.short_description;
  if (description !== undefined && description !== null && description !== '') body.description = description;
  if (r.venue !== undefined && r.venue !== null && r.venue !== '') body.venue = r.venue;
  if (r.max_participants !== undefined && r.max_participants !== null) body.capacity = r.max_participants;
  for (const [from, to] of DATE_MAP) dateField(r, from, to, body, problems);
  if (r.is_certificate_based === true && r.certificate_end_date !== undefined && r.certificate_end_date !== null) {
    dateField(r, 'certificate_end_date', 'certificatesCloseAt', body, problems);
    const opensFrom =
      r.certificate_start_date !== undefined && r.certificate_start_date !== null ? 'certificate_start_date' : 'end_datetime';
    dateField(r, opensFrom, 'certificatesOpenAt', body, problems);
  }

  const intent = typeof r.event_approval_status === 'string' ? APPROVAL[r.event_approval_status] : undefined;
  if (!intent) {
    problems.push({
      path: 'status',
      message: `event_approval_status must be approved, pending_approval or declined (got ${JSON.stringify(r.event_approval_status ?? null)})`,
    });
  }
  if (problems.length > 0 || !intent) return { ok: false, rejected: { line, id, details: problems } };
  const reason =
    intent === 'declined' && typeof r.decline_reason === 'string' && r.decline_reason.trim() ? r.decline_reason : null;
  return { ok: true, record: { line, id, body, intent, reason } };
}
