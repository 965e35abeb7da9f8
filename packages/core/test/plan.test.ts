/**
 * The edit preview (`PATCH ?dryRun=true`, SPEC §6): the plan of an edit and the `effects` the API
 * answers for it — each trigger added, removed or moved, instants in the API's format.
 */
import { describe, expect, it } from 'vitest';
import { editEffects, planEdit } from '../src/index.ts';

const H = 3600_000;
const NOW = Date.UTC(2027, 0, 1);
const event = {
  registrationOpensAt: NOW + H,
  registrationClosesAt: NOW + 2 * H,
  startsAt: NOW + 3 * H,
  endsAt: NOW + 4 * H,
  certificatesOpenAt: null,
  certificatesCloseAt: null,
  status: 'upcoming' as const,
  phase: 'registration_not_started' as const,
};

describe('editEffects', () => {
  it('names each trigger added, removed or moved, with instants as the API writes them', () => {
    const after = {
      ...event,
      registrationOpensAt: null,
      registrationClosesAt: null,
      startsAt: NOW + 5 * H,
      endsAt: NOW + 6 * H,
      certificatesOpenAt: NOW + 6 * H,
      certificatesCloseAt: NOW + 7 * H,
    };
    const effects = editEffects(planEdit(event, after, NOW));
    const byTrigger = Object.fromEntries(effects.triggers.map((t) => [t.trigger, t]));
    expect(byTrigger).toEqual({
      registration_open: { trigger: 'registration_open', change: 'removed', from: '2027-01-01T01:00:00.000Z', to: null },
      registration_close: { trigger: 'registration_close', change: 'removed', from: '2027-01-01T02:00:00.000Z', to: null },
      event_start: { trigger: 'event_start', change: 'moved', from: '2027-01-01T03:00:00.000Z', to: '2027-01-01T05:00:00.000Z' },
      event_end: { trigger: 'event_end', change: 'moved', from: '2027-01-01T04:00:00.000Z', to: '2027-01-01T06:00:00.000Z' },
      certificates_open: { trigger: 'certificates_open', change: 'added', from: null, to: '2027-01-01T06:00:00.000Z' },
      certificates_close: { trigger: 'certificates_close', change: 'added', from: null, to: '2027-01-01T07:00:00.000Z' },
    });
    // Without a registration window the event is merely scheduled: one transition, now.
    expect(effects.transition).toEqual({
      from: { status: 'upcoming', phase: 'registration_not_started' },
      to: { status: 'upcoming', phase: 'scheduled' },
    });
  });

  it('an edit that moves nothing has no effects', () => {
    expect(editEffects(planEdit(event, { ...event }, NOW))).toEqual({ transition: null, triggers: [] });
  });
});
