/**
 * The account rules (SPEC §3, §6) and the one e-mail rule that accounts and registrations share.
 */
import { describe, expect, it } from 'vitest';
import { isEmailAddress, normalizeEmail, resolveRegistration } from '../src/index.ts';

describe('the e-mail rule', () => {
  it('accepts one @ with something on each side and no spaces, including the first start admin@localhost', () => {
    for (const ok of ['ada@example.org', 'admin@localhost', 'a+tag@sub.example.co.uk']) expect(isEmailAddress(ok)).toBe(true);
  });

  it('refuses no @, two @, spaces, an empty side, and more than 254 characters', () => {
    for (const bad of ['not-an-email', 'a@b@c', 'a b@c.co', '@example.org', 'ada@', `${'a'.repeat(250)}@b.co`]) {
      expect(isEmailAddress(bad), bad).toBe(false);
    }
  });

  it('registrations apply the very same rule to the normalised address', () => {
    for (const email of ['admin@localhost', 'not-an-email', ' Ada@Example.ORG ']) {
      const accepted = (() => {
        try {
          resolveRegistration({ name: 'Ada', email });
          return true;
        } catch {
          return false;
        }
      })();
      expect(accepted, email).toBe(isEmailAddress(normalizeEmail(email)));
    }
  });
});
