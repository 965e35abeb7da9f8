import { describe, expect, it } from 'vitest';
import { canManageAttendees, formatInZone, KairosError, normalizeEmail, resolveRegistration } from '../src/index.ts';

describe('resolveRegistration', () => {
  it('trims the name and normalises the email to one spelling per mailbox', () => {
    expect(resolveRegistration({ name: '  Ada Lovelace ', email: ' Ada@Example.ORG ' })).toEqual({
      name: 'Ada Lovelace',
      email: 'ada@example.org',
    });
    expect(normalizeEmail('\tBOB@x.io\n')).toBe('bob@x.io');
  });

  it.each([
    [{ name: '   ', email: 'a@b.co' }, 'name'],
    [{ name: 'x'.repeat(201), email: 'a@b.co' }, 'name'],
    [{ name: 'Bad\u0000Name', email: 'a@b.co' }, 'name'],
    [{ name: 'Ada', email: 'not-an-email' }, 'email'],
    [{ name: 'Ada', email: 'a b@c.co' }, 'email'],
    [{ name: 'Ada', email: `${'a'.repeat(250)}@b.co` }, 'email'],
  ])('refuses %o naming %s', (body, path) => {
    try {
      resolveRegistration(body);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(KairosError);
      expect((error as KairosError).code).toBe('validation_failed');
      expect((error as KairosError).details?.map((d) => d.path)).toEqual([path]);
    }
  });

  it('counts the name in code points, not UTF-16 units', () => {
    expect(resolveRegistration({ name: '😀'.repeat(200), email: 'a@b.co' }).name).toHaveLength(400);
  });
});

describe('canManageAttendees', () => {
  it('is for admins and the organizer who owns the event', () => {
    const e = { createdBy: 'u1' };
    expect(canManageAttendees({ role: 'admin', userId: 'u9' }, e)).toBe(true);
    expect(canManageAttendees({ role: 'organizer', userId: 'u1' }, e)).toBe(true);
    expect(canManageAttendees({ role: 'organizer', userId: 'u2' }, e)).toBe(false);
    expect(canManageAttendees({ role: 'public' }, e)).toBe(false);
  });
});

describe('formatInZone', () => {
  it('prints an instant in the given zone with its offset, whatever the process zone', () => {
    expect(formatInZone(Date.UTC(2026, 11, 1, 4, 30), 'Asia/Kolkata')).toBe('1 Dec 2026, 10:00 GMT+5:30');
    expect(formatInZone(Date.UTC(2026, 6, 1, 4, 30), 'America/New_York')).toBe('1 Jul 2026, 00:30 GMT-4');
    expect(formatInZone(Date.UTC(2026, 6, 1, 4, 30), 'UTC')).toBe('1 Jul 2026, 04:30 UTC');
  });
});
