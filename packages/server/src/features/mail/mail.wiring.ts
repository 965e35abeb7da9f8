/**
 * The consequences attendee e-mail adds to every write of a process that writes (the server, and
 * CLI commands such as `kairos doctor --fix`): the reminder trigger follows each user write, and
 * outbox rows commit with their cause. A running server notices another process's commit and sends.
 */
import type { Clock } from '../../clock.ts';
import type { Store } from '../../db/store.ts';
import { reminderConsequence } from '../events/reminder.consequence.ts';
import { AttendeeTokens } from '../registrations/attendee-token.ts';
import { mailConsequence } from './mail.consequence.ts';

export async function addMailConsequences(store: Store, clock: Clock, publicUrl: string): Promise<AttendeeTokens> {
  const tokens = await AttendeeTokens.load(store);
  store.addConsequence(reminderConsequence(clock));
  store.addConsequence(mailConsequence({ clock, publicUrl, tokens }));
  return tokens;
}
