/**
 * Attendee use cases (SPEC §11). Every gate is decided from the event's DATES at the instant of
 * the request (`lifecycleAt(event, now)`, `now` read inside the transaction), never from the
 * stored status, which lags a boundary by the firing's lateness. Each write is one transaction:
 * a cancellation and the promotion it causes commit together.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  ATTENDEE_PHASES,
  canManageAttendees,
  canRead,
  formatInstant,
  gatePhaseAt,
  isScheduled,
  KairosError,
  type Phase,
  type RegistrationCreateBody,
  resolveRegistration,
  type Viewer,
} from '@kairos/core';
import type { Clock } from '../../clock.ts';
import type { Store } from '../../db/store.ts';
import type { Db } from '../../db/unit-of-work.ts';
import { SlidingWindow } from '../../limits/sliding-window.ts';
import { rateLimited } from '../auth/auth.service.ts';
import type { EventRecord } from '../events/event.record.ts';
import { findEvent } from '../events/events.repository.ts';
import type { AttendeeTokens } from './attendee-token.ts';
import type { RegistrationRecord } from './registration.record.ts';
import {
  cancelRegistration,
  checkInRegistration,
  countsOf,
  findActiveByEmail,
  findRegistration,
  insertRegistration,
  listRegistrations,
  nextWaitlistPosition,
  promoteFromWaitlist,
} from './registrations.repository.ts';

export interface RegistrationsDeps {
  store: Store;
  clock: Clock;
  /** Public registrations per client address in a sliding window (SPEC §11). */
  rate: { max: number; windowMs: number };
  /** Derives each registration's token, so later mails can carry the attendee's link (attendee-token.ts). */
  tokens: AttendeeTokens;
}

const eventNotFound = () => new KairosError('not_found', 'event not found');
const registrationNotFound = () => new KairosError('not_found', 'registration not found');

export const newRegistrationId = (): string => `rg_${randomBytes(12).toString('base64url')}`;
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Constant-time comparison of the presented token's hash with the stored one. */
function tokenMatches(r: RegistrationRecord, token: string): boolean {
  const given = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(r.tokenHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/**
 * The phase the DATES give at `now` for an approved event — never the stored phase, which lags a
 * boundary by the firing's lateness. Events not on the clock (draft, pending, declined, cancelled)
 * are in the phase their workflow status names.
 */
const phaseAt = (e: EventRecord, now: number): Phase => gatePhaseAt(e, now);

const phaseFor = {
  registration_closed: ATTENDEE_PHASES.register,
  checkin_closed: ATTENDEE_PHASES.checkIn,
  certificates_unavailable: ATTENDEE_PHASES.certificate,
} as const;

/** A 409 naming the phase the event is in (also as `details[0]`, path `phase`, for clients). */
function closed(code: keyof typeof phaseFor, what: string, phase: Phase, more = '') {
  return new KairosError(code, `${what} only while the event is ${phaseFor[code]}; it is ${phase}${more}`, [
    { path: 'phase', message: phase },
  ]);
}

export class RegistrationsService {
  private readonly perAddress: SlidingWindow;

  constructor(private readonly deps: RegistrationsDeps) {
    this.perAddress = new SlidingWindow(deps.rate.max, deps.rate.windowMs);
  }

  /**
   * Public: a place, or a waitlist position once `capacity` is reached. Answers the token once.
   * At most `rate.max` registrations per client address in the window: one address cannot fill an
   * event. The attempt is counted before the transaction and forgiven if it took no place, except
   * an `already_registered` answer: it tells whether an email registered, so probing for that
   * costs as much as registering (SPEC §11 keeps the 409; this keeps it from being an oracle).
   */
  async register(
    viewer: Viewer,
    eventId: string,
    body: RegistrationCreateBody,
    address: string,
  ): Promise<{ registration: RegistrationRecord; token: string }> {
    const { name, email } = resolveRegistration(body);
    const now = this.deps.clock.now();
    const wait = this.perAddress.retryAfter(address, now);
    if (wait > 0) throw rateLimited(`too many registrations from your address; try again in ${wait} s`, wait);
    this.perAddress.hit(address, now);
    try {
      return await this.insert(viewer, eventId, name, email);
    } catch (error) {
      if (!(error instanceof KairosError && error.code === 'already_registered')) this.perAddress.forgive(address, now);
      throw error;
    }
  }

  private insert(viewer: Viewer, eventId: string, name: string, email: string) {
    return this.deps.store.write(async (tx) => {
      const event = await findEvent(tx.db, eventId, tx.rowLocks);
      if (!event || !canRead(viewer, event)) throw eventNotFound();
      const now = this.deps.clock.now();
      const phase = phaseAt(event, now);
      if (phase !== ATTENDEE_PHASES.register) {
        const opensAt = phase === 'registration_not_started' ? event.registrationOpensAt : null;
        const more = opensAt === null ? '' : ` (registration opens at ${formatInstant(opensAt)})`;
        throw closed('registration_closed', 'registration is open', phase, more);
      }
      if (await findActiveByEmail(tx.db, event.id, email)) {
        throw new KairosError('already_registered', 'this email is already registered for this event', [
          { path: 'email', message: 'is already registered for this event' },
        ]);
      }
      // Counting and inserting in one write transaction that excludes every other write of this
      // event (SQLite: one writer at a time; PostgreSQL: the event row, locked above), so the last
      // place goes to exactly one of two racing registrations.
      const { registered, waitlisted } = await countsOf(tx.db, event.id);
      // Nobody jumps the waitlist: while people wait, a newcomer waits too.
      const full = event.capacity !== null && (registered >= event.capacity || waitlisted > 0);
      const id = newRegistrationId();
      // 256 bits from a keyed HMAC: guessing one is hopeless, so a plain SHA-256 is enough to store.
      const token = this.deps.tokens.tokenFor(id);
      const registration: RegistrationRecord = {
        id,
        eventId: event.id,
        name,
        email,
        status: full ? 'waitlisted' : 'confirmed',
        position: full ? await nextWaitlistPosition(tx.db, event.id) : null,
        tokenHash: hashToken(token),
        checkedInAt: null,
        createdAt: now,
        updatedAt: now,
      };
      await insertRegistration(tx, registration, event.createdBy);
      return { registration, token };
    });
  }

  async get(viewer: Viewer, id: string, token: string | undefined): Promise<RegistrationRecord> {
    return (await this.authorize(this.deps.store.db, viewer, id, token)).registration;
  }

  /** The attendee (token) or admin / owning organizer. Freeing a confirmed place promotes the head of the waitlist. */
  cancel(viewer: Viewer, id: string, token: string | undefined): Promise<RegistrationRecord> {
    return this.deps.store.write(async (tx) => {
      const { registration: r, event } = await this.authorize(tx.db, viewer, id, token, tx.rowLocks);
      const now = this.deps.clock.now();
      if (r.status !== 'confirmed' && r.status !== 'waitlisted') {
        throw new KairosError('invalid_state', `cannot cancel a registration whose status is ${r.status}`);
      }
      if (r.checkedInAt !== null) throw new KairosError('invalid_state', 'cannot cancel a registration that has checked in');
      if (isScheduled(event.status) && now >= event.startsAt) {
        throw new KairosError('invalid_state', 'cannot cancel a registration once the event has started');
      }
      const cancelled = await cancelRegistration(tx, r, event.createdBy, now);
      // Promotion only while registration is open: after the close the waitlist has expired (or
      // is about to, if the close's firing is a few ms late), and a promotion then would be a surprise.
      if (r.status === 'confirmed' && phaseAt(event, now) === ATTENDEE_PHASES.register) {
        await promoteFromWaitlist(tx, event.id, event.capacity, event.createdBy, now);
      }
      return cancelled;
    });
  }

  /** Admin or owning organizer: every registration of the event, in creation order. */
  async list(
    viewer: Viewer,
    eventId: string,
    after: { createdAt: number; id: string } | null,
    limit: number | null,
  ): Promise<RegistrationRecord[]> {
    const db = this.deps.store.db;
    await this.managedEvent(db, viewer, eventId);
    return listRegistrations(db, eventId, after, limit);
  }

  /** Admin or owning organizer, only while the event is in progress, only for a confirmed place. Idempotent. */
  checkIn(viewer: Viewer, eventId: string, registrationId: string): Promise<RegistrationRecord> {
    return this.deps.store.write(async (tx) => {
      const event = await this.managedEvent(tx.db, viewer, eventId, tx.rowLocks);
      const now = this.deps.clock.now();
      const phase = phaseAt(event, now);
      if (phase !== ATTENDEE_PHASES.checkIn) throw closed('checkin_closed', 'check-in is open', phase);
      const r = await findRegistration(tx.db, registrationId);
      if (!r || r.eventId !== event.id) throw registrationNotFound();
      if (r.status !== 'confirmed') {
        throw new KairosError('invalid_state', `only a confirmed registration can check in; this one is ${r.status}`);
      }
      if (r.checkedInAt !== null) return r;
      return checkInRegistration(tx, r, event.createdBy, now);
    });
  }

  /** The attendee's certificate: only while certificates are available, only after a check-in. */
  async certificate(viewer: Viewer, id: string, token: string | undefined): Promise<Uint8Array> {
    const { registration: r, event } = await this.authorize(this.deps.store.db, viewer, id, token);
    const now = this.deps.clock.now();
    const phase = phaseAt(event, now);
    if (phase !== ATTENDEE_PHASES.certificate) throw closed('certificates_unavailable', 'certificates are available', phase);
    if (r.status !== 'confirmed' || r.checkedInAt === null) {
      throw new KairosError('not_checked_in', 'a certificate is issued only to an attendee who checked in');
    }
    // Loaded on the first certificate, not at start: pdf-lib and fontkit initialise their tables on
    // import, measured 0.5–0.7 s of CPU in each `kairos serve` start (node --cpu-prof, loaded 2-core machine).
    const { renderCertificate } = await import('./certificate.ts');
    return renderCertificate({
      registrationId: r.id,
      attendee: r.name,
      title: event.title,
      venue: event.venue,
      timezone: event.timezone,
      startsAt: event.startsAt,
      endsAt: event.endsAt,
      checkedInAt: r.checkedInAt,
      issuedAt: now,
    });
  }

  /** The event, if this viewer manages its attendees: 404 when they may not even read it, else 403. */
  private async managedEvent(db: Db, viewer: Viewer, eventId: string, lock = false): Promise<EventRecord> {
    const event = await findEvent(db, eventId, lock);
    if (!event || !canRead(viewer, event)) throw eventNotFound();
    if (!canManageAttendees(viewer, event))
      throw new KairosError('forbidden', 'only an admin or the event’s organizer may do this');
    return event;
  }

  /**
   * The attendee by token, or an admin / the owning organizer by session. Without either the
   * public get 401; a wrong token (or someone else's) reads as 404, never telling whether the id exists.
   */
  private async authorize(
    db: Db,
    viewer: Viewer,
    id: string,
    token: string | undefined,
    lock = false,
  ): Promise<{ registration: RegistrationRecord; event: EventRecord }> {
    if (token === undefined && viewer.role === 'public') {
      throw new KairosError('unauthenticated', 'give the registration’s token (?token=…) or sign in');
    }
    const found = await findRegistration(db, id);
    const event = found && (await findEvent(db, found.eventId, lock));
    // Locked: read the registration again, as it is now that no other write of its event runs.
    const registration = lock && event ? await findRegistration(db, id) : found;
    if (!registration || !event) throw registrationNotFound();
    const byToken = token !== undefined && tokenMatches(registration, token);
    if (!byToken && !canManageAttendees(viewer, event)) throw registrationNotFound();
    return { registration, event };
  }
}
