/**
 * Page cursors: opaque to clients (base64url of a JSON value), checked on the way back in. A
 * cursor this server did not issue is a client mistake: 400 on `cursor`, never a 500.
 */
import { KairosError } from '@kairos/core';

export const encodeCursor = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function decodeCursor<T>(raw: string | undefined, valid: (v: unknown) => v is T): T | null {
  if (raw === undefined) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (valid(value)) return value;
  } catch {
    // falls through to the error below
  }
  throw new KairosError('validation_failed', 'cursor is not a cursor this server issued', [
    { path: 'cursor', message: 'is not a cursor this server issued' },
  ]);
}

/** `[instant, id]`: lists in (time, id) order (events by start; registrations and mail by creation). */
export const isTimeIdCursor = (v: unknown): v is [number, string] =>
  Array.isArray(v) && v.length === 2 && Number.isFinite(v[0]) && typeof v[1] === 'string';

/** The (createdAt, id) position a `[instant, id]` cursor names. */
export function decodeCreatedCursor(raw: string | undefined): { createdAt: number; id: string } | null {
  const c = decodeCursor(raw, isTimeIdCursor);
  return c && { createdAt: c[0], id: c[1] };
}
