/**
 * Export (SPEC §15): every event — any status, all its fields, status and phase, no attendees —
 * as JSON Lines, the shape `GET /events/:id` answers minus what belongs to the moment or to
 * attendees (`nextTransition`, the registration counts). `kairos import` reads it back.
 * A page of rows is read at a time, so a million events never sit in memory at once.
 */
import { NO_REGISTRATIONS } from '@kairos/core';
import type { Db } from '../../db/unit-of-work.ts';
import type { EventRecord } from '../events/event.record.ts';
import { toEventView } from '../events/event.view.ts';
import { eventsAfterId } from '../events/events.repository.ts';

/** Rows per read while exporting. */
const PAGE = 1000;

export function exportRecord(e: EventRecord, now: number): Record<string, unknown> {
  const {
    nextTransition: _next,
    registered: _r,
    waitlisted: _w,
    checkedIn: _c,
    ...fields
  } = toEventView(e, now, NO_REGISTRATIONS);
  return fields;
}

/** The export, one JSON line (with its newline) per event, in id order. */
export async function* exportLines(db: Db, now: () => number): AsyncGenerator<string> {
  let after: string | null = null;
  for (;;) {
    const page = await eventsAfterId(db, after, PAGE);
    if (page.length === 0) return;
    const at = now();
    yield page.map((e) => `${JSON.stringify(exportRecord(e, at))}\n`).join('');
    after = page[page.length - 1]?.id ?? null;
    if (page.length < PAGE) return;
  }
}
