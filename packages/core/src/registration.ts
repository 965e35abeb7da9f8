/**
 * Attendees (SPEC §11): the registration body, its normalisation, and the shapes the API and the
 * stream answer. Which lifecycle phase allows what lives here too, so the server enforces it and
 * the web app shows or hides the same buttons from the same rule.
 */
import Type, { type Static } from 'typebox';
import { KairosError } from './errors.ts';
import type { TimePhase } from './lifecycle.ts';
import { InstantString, Nullable } from './schema.ts';
import { textProblem } from './text.ts';
import { EMAIL_MESSAGE, isEmailAddress, normalizeEmail } from './user.ts';

export const REGISTRATION_STATUSES = ['confirmed', 'waitlisted', 'cancelled', 'expired'] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];
/** Statuses that hold a place or a waitlist position; one per email per event among these. */
export const ACTIVE_REGISTRATION_STATUSES: readonly RegistrationStatus[] = ['confirmed', 'waitlisted'];

export const REGISTRATION_LIMITS = { name: 200 } as const;

/** The phase in which each attendee action is allowed (decided from the dates at the request's instant). */
export const ATTENDEE_PHASES = {
  register: 'registration_open',
  checkIn: 'in_progress',
  certificate: 'certificates_available',
} as const satisfies Record<string, TimePhase>;

export const RegistrationCreateBody = Type.Object(
  {
    // Lengths are checked after trimming (below); these bounds only keep absurd bodies out early.
    name: Type.String({ maxLength: 1000, examples: ['Ada Lovelace'] }),
    email: Type.String({ maxLength: 1000, examples: ['ada@example.org'] }),
  },
  { additionalProperties: false },
);
export type RegistrationCreateBody = Static<typeof RegistrationCreateBody>;

/** Trim and check a registration body; throws `validation_failed` naming each bad field. */
export function resolveRegistration(body: RegistrationCreateBody): { name: string; email: string } {
  const details: Array<{ path: string; message: string }> = [];
  const name = body.name.trim();
  const n = [...name].length;
  if (n === 0) details.push({ path: 'name', message: 'must not be empty' });
  else if (n > REGISTRATION_LIMITS.name)
    details.push({ path: 'name', message: `must be at most ${REGISTRATION_LIMITS.name} characters` });
  else {
    const bad = textProblem(name, 'line');
    if (bad) details.push({ path: 'name', message: bad });
  }
  const email = normalizeEmail(body.email);
  if (!isEmailAddress(email)) details.push({ path: 'email', message: EMAIL_MESSAGE });
  const first = details[0];
  if (first) throw new KairosError('validation_failed', `${first.path} ${first.message}`, details);
  return { name, email };
}

/** The read-only counts an event carries (SPEC §11): confirmed places, waitlist, checked in. */
export const RegistrationCounts = Type.Object({
  registered: Type.Integer(),
  waitlisted: Type.Integer(),
  checkedIn: Type.Integer(),
});
export type RegistrationCounts = Static<typeof RegistrationCounts>;
export const NO_REGISTRATIONS: RegistrationCounts = Object.freeze({ registered: 0, waitlisted: 0, checkedIn: 0 });

/** A registration as its attendee, the event's organizer and admins read it. */
export const RegistrationView = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  name: Type.String(),
  email: Type.String(),
  status: Type.Enum(REGISTRATION_STATUSES),
  position: Nullable(Type.Integer({ description: 'waitlist position (1 = next to be promoted); null unless waitlisted' })),
  checkedInAt: Nullable(InstantString),
  createdAt: InstantString,
  updatedAt: InstantString,
});
export type RegistrationView = Static<typeof RegistrationView>;

/** What the stream says about a registration: never the email (nor, of course, the token). */
export type RegistrationLiveView = Omit<RegistrationView, 'email'>;

/** The answer to a registration: the only time the attendee's token is shown. */
export const RegistrationCreated = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  status: Type.Enum(REGISTRATION_STATUSES, { description: 'confirmed or waitlisted' }),
  position: Nullable(Type.Integer()),
  token: Type.String({ description: 'lets the attendee read or cancel the registration and get the certificate; shown once' }),
});
export type RegistrationCreated = Static<typeof RegistrationCreated>;
