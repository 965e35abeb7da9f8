/**
 * Import formats (SPEC §15), pure: JSON Lines split into records with their line numbers, and
 * each format's record mapped to a create body plus the workflow status it should land in. The
 * body is then validated by exactly the rules of `POST /events` (the request schema and
 * `resolveEventFields`), in the server; nothing here judges an event's fields.
 */
import type { ErrorDetail } from './errors.ts';
import type { Status } from './lifecycle.ts';
import { isScheduled } from './lifecycle.ts';

export const IMPORT_FORMATS = ['kairos', 'campusconnect'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** SPEC §2: an import may keep a record's own id when it is 1–64 of `A-Z a-z 0-9 _ -`. */
export const IMPORT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Where an imported event lands: approved (status from its dates) or a workflow status. */
export type ImportIntent = 'approved' | 'draft' | 'pending_approval' | 'declined' | 'cancelled';

export interface ImportSource {
  /** 1-based line of a JSON Lines file, or 1-based position in a JSON array. */
  line: number;
  value: unknown;
}

export interface MappedRecord {
  line: number;
  id: string | null;
  body: Record<string, unknown>;
  intent: ImportIntent;
  /** The decline reason, kept in the create entry of the history. */
  reason: string | null;
}

export interface RejectedRecord {
  line: number;
  id: string | null;
  details: ErrorDetail[];
}

export type Mapped = { ok: true; record: MappedRecord } | { ok: false; rejected: RejectedRecord };

/** Non-blank lines of JSON Lines text; a line that is not JSON is kept as a rejection. */
export function splitJsonLines(text: string): Array<ImportSource | RejectedRecord> {
  const out: Array<ImportSource | RejectedRecord> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '') continue;
    try {
      out.push({ line: i + 1, value: JSON.parse(raw) as unknown });
    } catch {
      out.push({ line: i + 1, id: null, details: [{ path: '', message: 'the line is not valid JSON' }] });
    }
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const reject = (line: number, id: string | null, path: string, message: string): Mapped => ({
  ok: false,
  rejected: { line, id, details: [{ path, message }] },
});

/** An id as the import keeps it, or a problem: absent is allowed (a new id is made). */
function keptId(raw: unknown): { id: string | null; problem: string | null } {
  if (raw === undefined || raw === null) return { id: null, problem: null };
  const id = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
  if (typeof id !== 'string') return { id: null, problem: 'must be a string' };
  return IMPORT_ID.test(id) ? { id, problem: null } : { id, problem: 'must be 1–64 of A-Z a-z 0-9 _ -' };
}

/**
 * A line of `kairos export`: the event as the API answers it. Read-only fields (version,
 * createdBy, counts…) are ignored by the create schema; `status` picks where it lands.
 */
export function mapKairos(source: ImportSource): Mapped {
  const { line, value } = source;
  if (!isObject(value)) return reject(line, null, '', 'the record must be a JSON object');
  const { id: rawId, status, phase: _phase, ...body } = value;
  const { id, problem } = keptId(rawId);
  if (problem) return reject(line, id, 'id', problem);
  let intent: ImportIntent;
  if (status === undefined || (typeof status === 'string' && isScheduled(status as Status))) intent = 'approved';
  else if (status === 'draft' || status === 'pending_approval' || status === 'declined' || status === 'cancelled')
    intent = status;
  else return reject(line, id, 'status', `is not a status Kairos knows (${String(status)})`);
  return { ok: true, record: { line, id, body, intent, reason: null } };
}
