/**
 * Attendee e-mail (SPEC §14): the kinds of mail, the states of an outbox row, and what
 * `GET /events/:id/mail` answers (admins and the owning organizer). Never the body: it holds the
 * attendee's link, which is as good as the attendee's token.
 */
import Type, { type Static } from 'typebox';
import { InstantString, Nullable } from './schema.ts';

export const MAIL_KINDS = ['confirmed', 'waitlisted', 'promoted', 'expired', 'cancelled', 'reminder', 'certificate'] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

export const MAIL_STATUSES = ['pending', 'sent', 'failed'] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

export const MailItemView = Type.Object({
  id: Type.String(),
  kind: Type.Enum(MAIL_KINDS),
  to: Type.String(),
  status: Type.Enum(MAIL_STATUSES, { description: 'pending until the SMTP server accepts it; failed after the last retry' }),
  attempts: Type.Integer(),
  sentAt: Nullable(InstantString),
  lastError: Nullable(Type.String()),
  createdAt: InstantString,
});
export type MailItemView = Static<typeof MailItemView>;

export const MAIL_KIND_LABELS: Record<MailKind, string> = {
  confirmed: 'Place confirmed',
  waitlisted: 'On the waitlist',
  promoted: 'Promoted from the waitlist',
  expired: 'Waitlist expired',
  cancelled: 'Event cancelled',
  reminder: 'Reminder',
  certificate: 'Certificate ready',
};
