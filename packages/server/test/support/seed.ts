/**
 * Many events at once, written straight into the database (a SQLite file or a PostgreSQL URL,
 * with its job queue) with the server's own repository code in one transaction — as `kairos doctor --fix` writes beside a running server, which hears
 * the commit and re-arms. Seconds instead of minutes of POSTs for a burst of thousands.
 */
import { NO_REGISTRATIONS } from '@kairos/core';
import { openStore } from '../../src/db/open.ts';
import type { EventRecord } from '../../src/features/events/event.record.ts';
import { insertEvent } from '../../src/features/events/events.repository.ts';
import { appendHistoryBatch } from '../../src/features/history/history.repository.ts';

/** `n` approved events starting at `startsAt` and lasting an hour; resolves with their ids. */
export async function seedStarts(database: string, n: number, startsAt: number): Promise<string[]> {
  const store = await openStore(database);
  try {
    const now = Date.now();
    const events: EventRecord[] = Array.from({ length: n }, (_, i) => ({
      id: `ev_burst_${String(i).padStart(6, '0')}`,
      title: `Burst ${i}`,
      description: null,
      venue: null,
      timezone: 'UTC',
      capacity: null,
      registrationOpensAt: null,
      registrationClosesAt: null,
      startsAt,
      endsAt: startsAt + 3_600_000,
      certificatesOpenAt: null,
      certificatesCloseAt: null,
      reminderMinutesBefore: null,
      status: 'upcoming',
      phase: 'scheduled',
      version: 1,
      createdBy: 'usr_seed',
      createdAt: now,
      updatedAt: now,
    }));
    await store.write(async (tx) => {
      for (const event of events) await insertEvent(tx, event, now);
      await appendHistoryBatch(
        tx,
        events.map((event) => ({
          entry: {
            eventId: event.id,
            ownerId: event.createdBy,
            at: now,
            cause: 'create' as const,
            actor: event.createdBy,
            from: null,
            to: { status: event.status, phase: event.phase },
            trigger: null,
            dueAt: null,
            lateMs: null,
            reason: null,
          },
          event,
          counts: NO_REGISTRATIONS,
        })),
      );
    });
    return events.map((e) => e.id);
  } finally {
    await store.close();
  }
}
