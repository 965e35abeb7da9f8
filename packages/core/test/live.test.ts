/**
 * The stream's contract (SPEC §7) as the web app consumes it: one list of every message type,
 * the same as the typed map's keys, and the registration types told apart by one rule.
 */
import { describe, expect, it } from 'vitest';
import { isRegistrationLiveType, LIVE_TYPES, REGISTRATION_LIVE_TYPES } from '../src/index.ts';

describe('live message types', () => {
  it('LIVE_TYPES lists hello, the four history types and every registration type, once each', () => {
    expect(new Set(LIVE_TYPES).size).toBe(LIVE_TYPES.length);
    expect([...LIVE_TYPES].sort()).toEqual(
      ['hello', 'transition', 'event.created', 'event.updated', 'event.deleted', ...REGISTRATION_LIVE_TYPES].sort(),
    );
  });

  it('isRegistrationLiveType is true exactly for the registration types', () => {
    expect(LIVE_TYPES.filter(isRegistrationLiveType)).toEqual([...REGISTRATION_LIVE_TYPES]);
  });
});
