/**
 * Attendee e-mail (SPEC §14): who may read an event's outbox, and the runner that sends it.
 * Without `KAIROS_SMTP_URL` nothing is sent: mails stay `pending` in the outbox, shown to admins.
 */
import { canManageAttendees, canRead, KairosError, type Viewer } from '@kairos/core';
import type { Clock } from '../../clock.ts';
import type { Store } from '../../db/store.ts';
import { OutboxRunner, type RunnerEvents } from '../../outbox/runner.ts';
import { findEvent } from '../events/events.repository.ts';
import { type MailTransport, mailChannel } from './mail.sender.ts';
import type { OutboxRecord } from './outbox.record.ts';
import { mailOfEvent } from './outbox.repository.ts';

export interface MailDeps {
  store: Store;
  clock: Clock;
  /** Null: no SMTP server configured. */
  transport: MailTransport | null;
  events?: RunnerEvents;
}

export class MailService {
  readonly runner: OutboxRunner | null;

  constructor(private readonly deps: MailDeps) {
    this.runner = deps.transport && new OutboxRunner(deps.store, deps.clock, mailChannel(deps.transport), deps.events);
  }

  get sending(): boolean {
    return this.runner !== null;
  }

  async start(): Promise<void> {
    await this.runner?.start();
  }

  async stop(): Promise<void> {
    await this.runner?.stop();
  }

  /** Admin or the owning organizer: the event's mails, newest first. */
  async list(
    viewer: Viewer,
    eventId: string,
    before: { createdAt: number; id: string } | null,
    limit: number,
  ): Promise<OutboxRecord[]> {
    const db = this.deps.store.db;
    if (viewer.role === 'public') throw new KairosError('unauthenticated', 'sign in first');
    const event = await findEvent(db, eventId);
    if (!event || !canRead(viewer, event)) throw new KairosError('not_found', 'event not found');
    if (!canManageAttendees(viewer, event))
      throw new KairosError('forbidden', 'only an admin or the event’s organizer may do this');
    return mailOfEvent(db, eventId, before, limit);
  }
}
