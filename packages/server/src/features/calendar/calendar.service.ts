/**
 * Calendar feeds (SPEC §13): what the public may read, as iCalendar. Visibility is the events
 * service's: the feed lists exactly what `GET /events` shows the public, and one event's file is
 * served to whoever may read that event.
 */
import type { Viewer } from '@kairos/core';
import type { EventRecord } from '../events/event.record.ts';
import type { EventsService } from '../events/events.service.ts';
import { renderCalendar } from './calendar.ics.ts';

export interface CalendarDeps {
  events: EventsService;
  publicUrl: string;
}

const PUBLIC: Viewer = { role: 'public' };
/** Rows read per page while walking the list; one page of `GET /events` at its largest, twice. */
const PAGE = 400;

export class CalendarService {
  constructor(private readonly deps: CalendarDeps) {}

  /** Every approved event (cancelled ones too) overlapping [from, to), as the public sees them. */
  async feed(from: number | null, to: number | null): Promise<string> {
    const all: EventRecord[] = [];
    let after: { startsAt: number; id: string } | null = null;
    for (;;) {
      const page = await this.deps.events.list(PUBLIC, { statuses: null, phases: null, q: null, from, to, limit: PAGE, after });
      all.push(...page);
      const last = page[page.length - 1];
      if (page.length < PAGE || !last) break;
      after = { startsAt: last.startsAt, id: last.id };
    }
    return renderCalendar(all, { publicUrl: this.deps.publicUrl, name: 'Kairos events' });
  }

  /** One event, for whoever may read it (404 otherwise, as `GET /events/:id`). */
  async one(viewer: Viewer, id: string): Promise<string> {
    const event = await this.deps.events.get(viewer, id);
    return renderCalendar([event], { publicUrl: this.deps.publicUrl, name: event.title });
  }
}
