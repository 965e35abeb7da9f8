import {
  formatInstant,
  formatOptional,
  type RegistrationLiveView,
  type RegistrationMessage,
  type RegistrationView,
} from '@kairos/core';
import type { RegistrationChange, RegistrationRecord } from './registration.record.ts';

/** A registration as its attendee (by token), the owning organizer and admins read it. Never the token hash. */
export function toRegistrationView(r: RegistrationRecord): RegistrationView {
  return {
    id: r.id,
    eventId: r.eventId,
    name: r.name,
    email: r.email,
    status: r.status,
    position: r.position,
    checkedInAt: formatOptional(r.checkedInAt),
    createdAt: formatInstant(r.createdAt),
    updatedAt: formatInstant(r.updatedAt),
  };
}

/** The stream's view: no email, since stream frames are shared and logged by proxies more readily than answers. */
export function toRegistrationLiveView(r: RegistrationRecord): RegistrationLiveView {
  const { email: _email, ...rest } = toRegistrationView(r);
  return rest;
}

export function toRegistrationMessage(c: RegistrationChange): RegistrationMessage {
  return {
    at: formatInstant(c.at),
    eventId: c.registration.eventId,
    registration: toRegistrationLiveView(c.registration),
    counts: c.counts,
  };
}

const CSV_COLUMNS = ['id', 'name', 'email', 'status', 'position', 'checkedInAt', 'createdAt'] as const;

/**
 * RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled, CRLF between
 * records. A field a spreadsheet would run as a formula (= + - @ at the start) gets a leading `'`:
 * names come from the public, and the file is opened by organizers.
 */
function csvField(value: string | number | null): string {
  let s = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(rows: readonly RegistrationRecord[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    const v = toRegistrationView(r);
    lines.push(CSV_COLUMNS.map((c) => csvField(v[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
