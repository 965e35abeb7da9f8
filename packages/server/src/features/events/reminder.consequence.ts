/**
 * The reminder trigger (SPEC §14) follows the event's dates AND its confirmed attendees, so it
 * is re-derived after the write's own work, in the write's transaction, for every event a user
 * write touched: an edit or workflow action (the history entry says which event), a registration
 * created, cancelled or promoted. Firings are skipped: time passing never creates a reminder, and
 * the reminder's own firing consumed its row. A create is skipped too: a new event has nobody
 * registered yet (one query fewer per create).
 */
import type { Clock } from '../../clock.ts';
import type { Consequence } from '../../db/store.ts';
import { countsOf } from '../registrations/registrations.repository.ts';
import type { EventRecord } from './event.record.ts';
import { findEvent } from './events.repository.ts';
import { syncReminder } from './triggers.repository.ts';

export function reminderConsequence(clock: Clock): Consequence {
  return async (tx) => {
    const { entries, registrations } = tx.effects;
    /** The event as the write left it, and its confirmed count when the entry already says it. */
    const touched = new Map<string, { event: EventRecord | null; registered: number | null }>();
    for (const { entry, event, counts } of entries) {
      if (entry.trigger === null && entry.cause !== 'create')
        touched.set(entry.eventId, { event, registered: counts.registered });
    }
    for (const change of registrations) {
      if (change.type === 'registration.checked_in' || change.type === 'registration.expired') continue;
      // Registrations changed in this write: the count is read again, after them.
      const id = change.registration.eventId;
      touched.set(id, { event: touched.get(id)?.event ?? null, registered: null });
    }
    if (touched.size === 0) return;
    const now = clock.now();
    for (const [id, known] of touched) {
      // A deleted event's rows went with it (deleteTriggersOf); `known.event` is null then, and so is the lookup.
      const event = known.event ?? (await findEvent(tx.db, id));
      if (!event) continue;
      await syncReminder(tx, event, known.registered ?? (await countsOf(tx.db, id)).registered, now);
    }
  };
}
