/**
 * The attendee token (SPEC §11) as an HMAC of the registration id under a key kept in the
 * database, not a random value: the database still holds only its SHA-256 (so a stolen copy
 * yields no token), yet the server can put the attendee's link into any later mail — promoted,
 * reminder, certificate — without ever storing the token itself. Registrations made before this
 * existed keep their random tokens; `linkTokenFor` answers null for them (their mails go without
 * the link rather than with a wrong one).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Store } from '../../db/store.ts';
import { ensureSetting } from '../settings/settings.repository.ts';

const KEY = 'attendee_token_key';

export class AttendeeTokens {
  private constructor(private readonly key: string) {}

  /** The key is generated once and shared by every instance (cluster mode) through the settings table. */
  static async load(store: Store): Promise<AttendeeTokens> {
    const key = await store.write((tx) => ensureSetting(tx.db, KEY, randomBytes(32).toString('base64url')));
    return new AttendeeTokens(key);
  }

  tokenFor(registrationId: string): string {
    return createHmac('sha256', this.key).update(`attendee:${registrationId}`).digest('base64url');
  }

  /** The token, if it is the one this registration's stored hash was made from. */
  linkTokenFor(registration: { id: string; tokenHash: string }): string | null {
    const token = this.tokenFor(registration.id);
    return createHash('sha256').update(token, 'utf8').digest('hex') === registration.tokenHash ? token : null;
  }
}
