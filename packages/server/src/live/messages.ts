import { formatInstant, formatOptional, type HistoryEntryView, type RegistrationCounts } from '@kairos/core';
import type { EventRecord } from '../features/events/event.record.ts';
import { toEventView } from '../features/events/event.view.ts';
import type { HistoryRecord } from '../features/history/history.record.ts';

/** A history entry as the API and the stream answer it (SPEC §5). */
export function toHistoryView(h: HistoryRecord): HistoryEntryView {
  const view: HistoryEntryView = {
    seq: h.seq,
    eventId: h.eventId,
    at: formatInstant(h.at),
    cause: h.cause,
    actor: h.actor,
    from: h.from,
    to: h.to,
    trigger: h.trigger,
    dueAt: formatOptional(h.dueAt),
    lateMs: h.lateMs,
  };
  if (h.reason !== null) view.reason = h.reason;
  return view;
}

/** The stream payload: the entry's fields, flat, plus the event as it now reads. */
export function toLiveMessage(h: HistoryRecord, event: EventRecord | null, now: number, counts: RegistrationCounts) {
  return { ...toHistoryView(h), event: event && toEventView(event, now, counts) };
}
