/**
 * The mail outbox is written by a consequence of the write (Store.addConsequence): inside the
 * transaction of its cause, after the cause's own work, from the effects the repositories
 * recorded. So a mail exists if and only if its cause committed, even across `kill -9` right
 * after the commit; the unique key (registration, kind, cause key) makes it once.
 *
 * | cause (effects)                                     | mail                                        |
 * | registration.created                                | confirmed / waitlisted (with position)      |
 * | registration.promoted                               | promoted                                    |
 * | registration.expired (not in a cancel)              | expired                                     |
 * | history entry with cause `cancel`                   | cancelled, to confirmed + expired-by-it     |
 * | a transition into certificates_available (any cause)| certificate, to checked-in attendees        |
 * | a reminder trigger fired                            | reminder, to confirmed (once per startsAt)  |
 */
import { randomBytes } from 'node:crypto';
import { isScheduled, type MailKind } from '@kairos/core';
import type { Clock } from '../../clock.ts';
import type { Consequence } from '../../db/store.ts';
import type { Effects, Tx } from '../../db/unit-of-work.ts';
import type { EventRecord } from '../events/event.record.ts';
import { findEvent } from '../events/events.repository.ts';
import type { AttendeeTokens } from '../registrations/attendee-token.ts';
import type { RegistrationRecord } from '../registrations/registration.record.ts';
import { listRegistrations } from '../registrations/registrations.repository.ts';
import { renderMail } from './mail.templates.ts';
import type { OutboxRecord } from './outbox.record.ts';
import { insertMails } from './outbox.repository.ts';

export interface OutboxDeps {
  clock: Clock;
  /** KAIROS_PUBLIC_URL, without a trailing slash: the links in mails. */
  publicUrl: string;
  tokens: AttendeeTokens;
}

type Entry = Effects['entries'][number];
const isCancel = (e: Entry) => e.entry.cause === 'cancel' && e.event !== null;
const opensCertificates = (e: Entry) =>
  e.entry.to.phase === 'certificates_available' && e.entry.from?.phase !== 'certificates_available' && e.event !== null;

/** Whether a committed write may have queued mail (the sender wakes on these). */
export const mayMail = (e: Effects): boolean =>
  e.registrations.length > 0 || e.reminders.length > 0 || e.entries.some((x) => isCancel(x) || opensCertificates(x));

export const newMailId = (): string => `ml_${randomBytes(12).toString('base64url')}`;

interface Wanted {
  kind: MailKind;
  event: EventRecord;
  registration: RegistrationRecord;
  causeKey: string;
  reason: string | null;
}

/** The outbox channel the sender drains (mail.sender.ts). */
export const MAIL_CHANNEL = 'mail';

export function mailConsequence(deps: OutboxDeps): Consequence {
  return async (tx) => {
    if (!mayMail(tx.effects)) return;
    const wanted = await collect(tx);
    if (wanted.length === 0) return;
    const now = deps.clock.now();
    await insertMails(
      tx,
      wanted.map((w) => toRow(deps, w, now)),
    );
    tx.effects.outboxes.add(MAIL_CHANNEL);
  };
}

async function collect(tx: Tx): Promise<Wanted[]> {
  const { entries, registrations, reminders } = tx.effects;
  const events = new Map<string, EventRecord>();
  for (const e of entries) if (e.event) events.set(e.event.id, e.event);
  const eventOf = async (id: string) => events.get(id) ?? (await findEvent(tx.db, id));
  const cancels = entries.filter(isCancel);
  const cancelled = new Set(cancels.map((e) => e.entry.eventId));
  const out: Wanted[] = [];
  const add = (
    kind: MailKind,
    event: EventRecord,
    registration: RegistrationRecord,
    causeKey = '',
    reason: string | null = null,
  ) => out.push({ kind, event, registration, causeKey, reason });

  for (const ch of registrations) {
    const event = await eventOf(ch.registration.eventId);
    if (!event) continue;
    if (ch.type === 'registration.created')
      add(ch.registration.status === 'waitlisted' ? 'waitlisted' : 'confirmed', event, ch.registration);
    else if (ch.type === 'registration.promoted') add('promoted', event, ch.registration);
    // A waitlist that expires because the event is cancelled hears of the cancellation instead.
    else if (ch.type === 'registration.expired' && !cancelled.has(event.id)) add('expired', event, ch.registration);
  }
  for (const c of cancels) {
    const event = c.event as EventRecord;
    const expiredNow = registrations.filter((ch) => ch.type === 'registration.expired' && ch.registration.eventId === event.id);
    const confirmed = (await listRegistrations(tx.db, event.id, null, null)).filter((r) => r.status === 'confirmed');
    for (const r of [...confirmed, ...expiredNow.map((ch) => ch.registration)]) add('cancelled', event, r, '', c.entry.reason);
  }
  for (const c of entries.filter(opensCertificates)) {
    const event = c.event as EventRecord;
    const attended = (await listRegistrations(tx.db, event.id, null, null)).filter(
      (r) => r.status === 'confirmed' && r.checkedInAt !== null,
    );
    for (const r of attended) add('certificate', event, r);
  }
  for (const fired of reminders) {
    const event = await eventOf(fired.eventId);
    if (!event || !isScheduled(event.status)) continue;
    const confirmed = (await listRegistrations(tx.db, event.id, null, null)).filter((r) => r.status === 'confirmed');
    // Keyed by the start it announces: a reminder re-timed by a new reminderMinutesBefore is not a
    // second reminder, but one for a start moved after it went out is.
    for (const r of confirmed) add('reminder', event, r, String(event.startsAt));
  }
  return out;
}

function toRow(deps: OutboxDeps, w: Wanted, now: number): OutboxRecord {
  const token = deps.tokens.linkTokenFor(w.registration);
  const id = encodeURIComponent(w.registration.id);
  const q = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  const mail = renderMail({
    kind: w.kind,
    event: w.event,
    attendee: { name: w.registration.name, position: w.registration.position },
    attendeeUrl: token === null ? null : `${deps.publicUrl}/registrations/${id}${q}`,
    certificateUrl:
      w.kind === 'certificate' && token !== null ? `${deps.publicUrl}/api/v1/registrations/${id}/certificate.pdf${q}` : null,
    reason: w.reason,
  });
  return {
    id: newMailId(),
    eventId: w.event.id,
    registrationId: w.registration.id,
    kind: w.kind,
    causeKey: w.causeKey,
    to: w.registration.email,
    ...mail,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    claimedUntil: null,
    sentAt: null,
    lastError: null,
    createdAt: now,
  };
}
