/**
 * The words of each attendee mail (SPEC §14), as plain text and HTML. Pure: fed the event, the
 * attendee and the links, it renders once, when the outbox row is written — so a retry sends
 * exactly what the cause said, even if the event is edited meanwhile. Dates come from core's one
 * formatting function, in the event's zone, followed by the zone's name.
 */
import { formatInZone, type MailKind } from '@kairos/core';

export interface MailContext {
  kind: MailKind;
  event: { title: string; timezone: string; startsAt: number; endsAt: number; venue: string | null };
  attendee: { name: string; position: number | null };
  /** The attendee's page (holds the token); null when the token cannot be derived. */
  attendeeUrl: string | null;
  /** Only for the certificate mail. */
  certificateUrl: string | null;
  /** Why the event was cancelled, when it was. */
  reason: string | null;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** `1 Dec 2026, 10:00 GMT+5:30 (Asia/Kolkata)`. */
export const zoned = (at: number, zone: string): string => `${formatInZone(at, zone)} (${zone})`;

interface Body {
  subject: string;
  lines: string[];
  link: { label: string; url: string } | null;
}

function body(c: MailContext): Body {
  const { title } = c.event;
  const when = `${zoned(c.event.startsAt, c.event.timezone)} – ${zoned(c.event.endsAt, c.event.timezone)}`;
  const where = c.event.venue ? [`Where: ${c.event.venue}`] : [];
  const page = c.attendeeUrl === null ? null : { label: 'Your registration', url: c.attendeeUrl };
  switch (c.kind) {
    case 'confirmed':
      return {
        subject: `Your place at ${title} is confirmed`,
        lines: ['Your place is confirmed.', `When: ${when}`, ...where],
        link: page,
      };
    case 'waitlisted':
      return {
        subject: `You are on the waitlist for ${title} (position ${c.attendee.position ?? '?'})`,
        lines: [
          `The event is full; you are number ${c.attendee.position ?? '?'} on the waitlist. We will write when a place is yours.`,
          `When: ${when}`,
        ],
        link: page,
      };
    case 'promoted':
      return {
        subject: `A place at ${title} is now yours`,
        lines: ['A place became free and it is yours.', `When: ${when}`, ...where],
        link: page,
      };
    case 'expired':
      return {
        subject: `Registration for ${title} has closed`,
        lines: ['Registration has closed and no place became free for you; your waitlist entry has expired.'],
        link: null,
      };
    case 'cancelled':
      return {
        subject: `${title} is cancelled`,
        lines: [`The event planned for ${when} is cancelled.`, ...(c.reason ? [`Reason: ${c.reason}`] : [])],
        link: null,
      };
    case 'reminder':
      return {
        subject: `Reminder: ${title} starts ${zoned(c.event.startsAt, c.event.timezone)}`,
        lines: [`When: ${when}`, ...where],
        link: page,
      };
    case 'certificate':
      return {
        subject: `Your certificate for ${title}`,
        lines: ['Thank you for attending. Your certificate is ready.'],
        link: c.certificateUrl ? { label: 'Download your certificate', url: c.certificateUrl } : page,
      };
  }
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export function renderMail(c: MailContext): RenderedMail {
  const b = body(c);
  const greeting = `Hello ${c.attendee.name},`;
  const text = [greeting, '', ...b.lines, ...(b.link ? ['', `${b.link.label}: ${b.link.url}`] : []), '', '— Kairos', ''].join(
    '\n',
  );
  const html = [
    '<!doctype html><html><body>',
    `<p>${escapeHtml(greeting)}</p>`,
    ...b.lines.map((l) => `<p>${escapeHtml(l)}</p>`),
    b.link ? `<p><a href="${escapeHtml(b.link.url)}">${escapeHtml(b.link.label)}</a></p>` : '',
    '<p>— Kairos</p>',
    '</body></html>',
  ].join('\n');
  return { subject: b.subject, text, html };
}
