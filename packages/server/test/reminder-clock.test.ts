/**
 * The reminder trigger on the exact scheduler, on a fake clock (SPEC §14), for the edges real
 * time cannot reach quickly: a reminder at the very instant of the start (reminderMinutesBefore
 * 0) fires beside event_start without swallowing its transition or writing one of its own; a
 * 30-day reminder waits the whole way and fires once, never a millisecond early; and the mail
 * outbox gets one reminder per confirmed attendee, committed with the firing.
 */
import type { Viewer } from '@kairos/core';
import { afterEach, describe, expect, test } from 'vitest';
import type { Effects } from '../src/db/unit-of-work.ts';
import { reminderConsequence } from '../src/features/events/reminder.consequence.ts';
import { mailConsequence } from '../src/features/mail/mail.consequence.ts';
import { AttendeeTokens } from '../src/features/registrations/attendee-token.ts';
import { RegistrationsService } from '../src/features/registrations/registrations.service.ts';
import { DAY, HOUR, inProcess, SECOND, T0 } from './support/in-process.ts';

type Harness = Awaited<ReturnType<typeof inProcess>>;
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const visitor: Viewer = { role: 'public' };

async function harness() {
  h = await inProcess();
  const { store, clock } = h;
  await h.scheduler.start();
  const tokens = await AttendeeTokens.load(store);
  store.addConsequence(reminderConsequence(clock));
  store.addConsequence(mailConsequence({ clock, publicUrl: 'https://k.example.test', tokens }));
  const reminders: Effects['reminders'] = [];
  store.onCommit((e) => reminders.push(...e.reminders));
  const registrations = new RegistrationsService({ store, clock, rate: { max: 1000, windowMs: 60_000 }, tokens });
  const register = (eventId: string, email: string) =>
    registrations.register(visitor, eventId, { name: 'A', email }, '127.0.0.1');
  const mails = async (eventId: string) =>
    (
      await store.db
        .selectFrom('mailOutbox')
        .select(['kind', 'to'])
        .where('eventId', '=', eventId)
        .where('kind', '=', 'reminder')
        .execute()
    ).map((m) => m.to);
  const reminderRows = async (eventId: string) =>
    (
      await store.db
        .selectFrom('triggers')
        .select('dueAt')
        .where('eventId', '=', eventId)
        .where('trigger', '=', 'reminder')
        .execute()
    ).map((r) => Number(r.dueAt));
  return { h, reminders, register, mails, reminderRows };
}

describe('reminder trigger on the exact scheduler', () => {
  test('at the start instant: event_start still makes its transition; the reminder fires once and records none', async () => {
    const { h, reminders, register, mails, reminderRows } = await harness();
    const startsAt = T0 + HOUR;
    const event = await h.create({
      registrationOpensAt: T0 - HOUR,
      registrationClosesAt: T0 + 30 * 60_000,
      startsAt,
      endsAt: startsAt + HOUR,
    });
    await h.store.write((tx) =>
      tx.db.updateTable('events').set({ reminderMinutesBefore: 0 }).where('id', '=', event.id).execute(),
    );
    await register(event.id, 'a@example.test');
    await register(event.id, 'b@example.test');
    expect(await reminderRows(event.id)).toEqual([startsAt]);

    await h.clock.advance(startsAt - T0 - 1);
    expect(reminders).toEqual([]); // never early
    await h.clock.advance(1);
    await h.scheduler.settled();
    expect(reminders).toEqual([{ eventId: event.id, dueAt: startsAt }]);
    const fired = await h.fired(event.id);
    expect(fired.map((f) => [f.trigger, f.to.phase])).toEqual([
      ['registration_close', 'registration_closed'],
      ['event_start', 'in_progress'],
    ]);
    expect((await mails(event.id)).sort()).toEqual(['a@example.test', 'b@example.test']);
    expect(await reminderRows(event.id)).toEqual([]);
    await h.clock.advance(2 * HOUR);
    expect(reminders).toHaveLength(1);
  });

  test('a 30-day reminder waits the whole way (chained timers) and fires once, on the instant', async () => {
    const { h, reminders, register, mails } = await harness();
    const startsAt = T0 + 40 * DAY;
    const event = await h.create({
      registrationOpensAt: T0 - HOUR,
      registrationClosesAt: T0 + DAY,
      startsAt,
      endsAt: startsAt + HOUR,
    });
    await h.store.write((tx) =>
      tx.db.updateTable('events').set({ reminderMinutesBefore: 43_200 }).where('id', '=', event.id).execute(),
    );
    await register(event.id, 'far@example.test');
    const dueAt = startsAt - 30 * DAY;
    await h.clock.advance(dueAt - T0 - SECOND);
    expect(reminders).toEqual([]);
    await h.clock.advance(SECOND);
    await h.scheduler.settled();
    expect(reminders).toEqual([{ eventId: event.id, dueAt }]);
    expect(await mails(event.id)).toEqual(['far@example.test']);
    const e = await h.read(event.id);
    expect([e?.status, e?.phase]).toEqual(['upcoming', 'registration_closed']);
  });
});
