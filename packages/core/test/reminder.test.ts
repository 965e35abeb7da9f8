/**
 * The reminder rule (SPEC §14): when an event's reminder trigger must be pending, if at all, and
 * how an edit's preview names its move. One table, the rule's every condition.
 */
import { describe, expect, it } from 'vitest';
import { editEffects, planEdit, REMINDER_LIMITS, reminderDueAt, reminderProblem, resolveEventFields } from '../src/index.ts';

const M = 60_000;
const H = 60 * M;
const NOW = Date.UTC(2027, 0, 1);
const event = {
  registrationOpensAt: null,
  registrationClosesAt: null,
  startsAt: NOW + 48 * H,
  endsAt: NOW + 50 * H,
  certificatesOpenAt: null,
  certificatesCloseAt: null,
  status: 'upcoming' as const,
  phase: 'scheduled' as const,
  reminderMinutesBefore: 1440,
};

describe('reminderDueAt', () => {
  it.each([
    ['a day before the start, with an attendee', event, 1, NOW + 24 * H],
    ['at the start itself (0 minutes)', { ...event, reminderMinutesBefore: 0 }, 1, NOW + 48 * H],
    ['none without a confirmed attendee', event, 0, null],
    ['none when switched off (null)', { ...event, reminderMinutesBefore: null }, 3, null],
    ['none once its instant has passed', { ...event, reminderMinutesBefore: 48 * 60 }, 1, null],
    ['none for a cancelled event', { ...event, status: 'cancelled' as const }, 1, null],
    ['none for a draft', { ...event, status: 'draft' as const }, 1, null],
    ['none for an event pending approval', { ...event, status: 'pending_approval' as const }, 1, null],
    [
      'still for an ongoing event if the instant is ahead (never: it is before the start)',
      { ...event, status: 'ongoing' as const },
      1,
      NOW + 24 * H,
    ],
  ])('%s', (_name, e, confirmed, want) => {
    expect(reminderDueAt(e, confirmed, NOW)).toBe(want);
  });

  it('is strictly in the future: due exactly now is not pending', () => {
    expect(reminderDueAt(event, 1, NOW + 24 * H)).toBeNull();
    expect(reminderDueAt(event, 1, NOW + 24 * H - 1)).toBe(NOW + 24 * H);
  });
});

describe('reminderMinutesBefore as a field', () => {
  const body = { title: 'R', startsAt: '2027-01-10T10:00', endsAt: '2027-01-10T12:00' };
  it('defaults to 1 440 on create, keeps the stored value on a patch, accepts null', () => {
    const created = resolveEventFields(body, null, 'UTC');
    expect(created.reminderMinutesBefore).toBe(REMINDER_LIMITS.default);
    expect(
      resolveEventFields({ title: 'S' }, { ...created, reminderMinutesBefore: null }, 'UTC').reminderMinutesBefore,
    ).toBeNull();
    expect(resolveEventFields({ ...body, reminderMinutesBefore: null }, null, 'UTC').reminderMinutesBefore).toBeNull();
  });
  it.each([-1, 43_201, 2.5, Number.NaN])('refuses %s with one message for the form and the API', (bad) => {
    expect(reminderProblem(bad)).toMatch(/whole number of minutes from 0 to 43200/);
    expect(() => resolveEventFields({ ...body, reminderMinutesBefore: bad }, null, 'UTC')).toThrow(/reminderMinutesBefore/);
  });
  it.each([0, 1, 43_200, null])('accepts %s', (ok) => expect(reminderProblem(ok)).toBeNull());
});

describe('the edit preview and the reminder', () => {
  it('moves with startsAt and reminderMinutesBefore, only when someone is confirmed', () => {
    const later = { ...event, startsAt: NOW + 60 * H, endsAt: NOW + 61 * H };
    expect(editEffects(planEdit(event, later, NOW, 2)).triggers).toContainEqual({
      trigger: 'reminder',
      change: 'moved',
      from: new Date(NOW + 24 * H).toISOString(),
      to: new Date(NOW + 36 * H).toISOString(),
    });
    expect(editEffects(planEdit(event, later, NOW, 0)).triggers.map((t) => t.trigger)).not.toContain('reminder');
    const off = editEffects(planEdit(event, { ...event, reminderMinutesBefore: null }, NOW, 1));
    expect(off.triggers).toEqual([
      { trigger: 'reminder', change: 'removed', from: new Date(NOW + 24 * H).toISOString(), to: null },
    ]);
    const cancelled = editEffects(planEdit(event, { ...event, status: 'cancelled' }, NOW, 1)).triggers;
    expect(cancelled).toContainEqual(expect.objectContaining({ trigger: 'reminder', change: 'removed' }));
  });
});
