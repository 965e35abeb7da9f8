/**
 * shownAt (issue 10: the browser never shows a state older than the server's). A screen renders
 * an event at the later of its own clock and what the server's answer proves the server's clock
 * had reached; checked against the oracle written from the SPEC table (support/spec-oracle.ts)
 * over arbitrary valid events, server instants and device clocks behind or ahead of the server.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventDates, Instant } from '../src/index.ts';
import { lifecycleAt, nextTransition, serverFloor, shownAt } from '../src/index.ts';
import { instantsOf, specState } from './support/spec-oracle.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2027, 0, 1);

/** A gap between two dates, biased to 0 and a millisecond (equal and adjacent boundaries). */
const gap = (strict: boolean) =>
  fc.oneof(
    strict ? fc.constant(1) : fc.constantFrom(0, 1),
    fc.integer({ min: 1, max: 3_600_000 }),
    fc.integer({ min: 1, max: 30 * DAY }),
  );

const arbEvent: fc.Arbitrary<EventDates> = fc
  .record({
    startsAt: fc.integer({ min: T0, max: T0 + 365 * DAY }),
    reg: fc.option(fc.tuple(gap(true), gap(false)), { nil: null }),
    duration: gap(true),
    certs: fc.option(fc.tuple(gap(false), gap(true)), { nil: null }),
  })
  .map(({ startsAt, reg, duration, certs }) => {
    const endsAt = startsAt + duration;
    const registrationClosesAt = reg && startsAt - reg[1];
    const certificatesOpenAt = certs && endsAt + certs[0];
    return {
      registrationOpensAt: reg && startsAt - reg[1] - reg[0],
      registrationClosesAt,
      startsAt,
      endsAt,
      certificatesOpenAt,
      certificatesCloseAt: certs && endsAt + certs[0] + certs[1],
    };
  });

/** Instants on a boundary, a millisecond either side, or anywhere around the event. */
const near = (e: EventDates): fc.Arbitrary<Instant> => {
  const xs = instantsOf(e);
  return fc.oneof(
    fc.constantFrom(...xs),
    fc.tuple(fc.constantFrom(...xs), fc.constantFrom(-1, 1)).map(([b, d]) => b + d),
    fc.integer({ min: (xs[0] ?? e.startsAt) - 10 * DAY, max: (xs.at(-1) ?? e.endsAt) + 10 * DAY }),
  );
};

/** What the server answers at `s`: the state and its nextTransition. */
const answerAt = (e: EventDates, s: Instant) => ({ state: lifecycleAt(e, s), nextAt: nextTransition(e, s)?.at ?? null });

describe('shownAt', () => {
  it('a device clock behind the server shows exactly the server’s state; one at or ahead of it keeps its own clock', () => {
    fc.assert(
      fc.property(
        arbEvent.chain((e) => fc.tuple(fc.constant(e), near(e), near(e))),
        ([e, s, t]) => {
          const { state, nextAt } = answerAt(e, s);
          const shown = shownAt(e, state, nextAt, t);
          expect(shown).toBeGreaterThanOrEqual(t);
          if (t >= s) expect(shown).toBe(t);
          else expect(specState(e, shown)).toEqual(specState(e, s));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never goes backwards as the device clock moves on, and the local clock takes over once it passes the server', () => {
    fc.assert(
      fc.property(
        arbEvent.chain((e) => fc.tuple(fc.constant(e), near(e), fc.array(near(e), { minLength: 2, maxLength: 6 }))),
        ([e, s, ts]) => {
          const { state, nextAt } = answerAt(e, s);
          const sorted = [...ts].sort((a, b) => a - b);
          const shown = sorted.map((t) => shownAt(e, state, nextAt, t));
          for (let i = 1; i < shown.length; i++) expect(shown[i]).toBeGreaterThanOrEqual(shown[i - 1] as number);
          expect(serverFloor(e, state, nextAt)).toBeLessThanOrEqual(s);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('an answer that proves nothing changes nothing: workflow statuses, a state these dates do not give', () => {
    const e: EventDates = {
      registrationOpensAt: T0,
      registrationClosesAt: T0 + DAY,
      startsAt: T0 + 2 * DAY,
      endsAt: T0 + 3 * DAY,
      certificatesOpenAt: T0 + 4 * DAY,
      certificatesCloseAt: T0 + 5 * DAY,
    };
    const t = T0 - DAY;
    expect(shownAt(e, { status: 'cancelled', phase: 'cancelled' }, null, t)).toBe(t);
    expect(shownAt(e, { status: 'draft', phase: 'draft' }, null, t)).toBe(t);
    // "scheduled" is not a state of an event with a registration window.
    expect(shownAt(e, { status: 'upcoming', phase: 'scheduled' }, T0 + 2 * DAY, t)).toBe(t);
    // An answer about other dates (the event was edited since): its state does not end at its nextAt here.
    expect(shownAt(e, { status: 'ongoing', phase: 'in_progress' }, T0 + DAY, t)).toBe(t);
    // "ended" occurs twice (before and after the certificates); nextTransition tells which one the server meant.
    expect(specState(e, shownAt(e, { status: 'completed', phase: 'ended' }, T0 + 4 * DAY, t)).phase).toBe('ended');
    expect(shownAt(e, { status: 'completed', phase: 'ended' }, T0 + 4 * DAY, t)).toBe(T0 + 3 * DAY);
    expect(shownAt(e, { status: 'completed', phase: 'ended' }, null, t)).toBe(T0 + 5 * DAY);
    expect(shownAt(e, { status: 'completed', phase: 'ended' }, null, T0 + 4.5 * DAY)).toBe(T0 + 5 * DAY);
  });
});
