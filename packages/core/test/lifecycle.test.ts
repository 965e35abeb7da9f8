/**
 * SPEC §4, checked against the oracle written straight from the table (support/spec-oracle.ts,
 * which does not call lifecycleAt), by hand-picked cases and by fast-check over arbitrary valid events and instants
 * biased onto the boundaries and one millisecond either side of them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventDates, Instant, TimePhase, TimeStatus } from '../src/index.ts';
import { boundaries, lifecycleAt, nextTransition, pendingTriggers, stateAt } from '../src/index.ts';
import { instantsOf, specState as oracle, specNext as oracleNext, SPEC_TRIGGERS as TRIGGER_OF } from './support/spec-oracle.ts';

const RUNS = 1000;

// ---------------------------------------------------------------------------------------------
// Generators.
// ---------------------------------------------------------------------------------------------

const DAY = 86_400_000;
const T0 = Date.UTC(2027, 0, 1);

/** A gap between two dates: strict (> 0) or not (≥ 0), biased to 0 and a few ms. */
const gap = (strict: boolean): fc.Arbitrary<number> => {
  const positive = [
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 3_600_000 }) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 400 * DAY }) },
  ];
  return strict ? fc.oneof(...positive) : fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, ...positive);
};

/**
 * Valid events: registrationOpensAt < registrationClosesAt ≤ startsAt < endsAt ≤ certificatesOpenAt
 * < certificatesCloseAt, each optional pair present or absent.
 */
const arbEvent: fc.Arbitrary<EventDates> = fc
  .record({
    startsAt: fc.integer({ min: T0 - 20 * 365 * DAY, max: T0 + 50 * 365 * DAY }),
    reg: fc.option(fc.record({ open: gap(true), closeToStart: gap(false) }), { nil: null }),
    duration: gap(true),
    certs: fc.option(fc.record({ endToOpen: gap(false), open: gap(true) }), { nil: null }),
  })
  .map(({ startsAt, reg, duration, certs }) => {
    const endsAt = startsAt + duration;
    const registrationClosesAt = reg === null ? null : startsAt - reg.closeToStart;
    const registrationOpensAt = reg === null || registrationClosesAt === null ? null : registrationClosesAt - reg.open;
    const certificatesOpenAt = certs === null ? null : endsAt + certs.endToOpen;
    const certificatesCloseAt = certs === null || certificatesOpenAt === null ? null : certificatesOpenAt + certs.open;
    return { registrationOpensAt, registrationClosesAt, startsAt, endsAt, certificatesOpenAt, certificatesCloseAt };
  });

/** Instants for an event: mostly exactly on a boundary or 1 ms either side, sometimes anywhere near. */
const arbInstantFor = (e: EventDates): fc.Arbitrary<Instant> => {
  const xs = instantsOf(e);
  const lo = (xs[0] ?? e.startsAt) - 30 * DAY;
  const hi = (xs[xs.length - 1] ?? e.endsAt) + 30 * DAY;
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...xs) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...xs), fc.constantFrom(-1, 1)).map(([b, d]) => b + d) },
    { weight: 2, arbitrary: fc.integer({ min: lo, max: hi }) },
  );
};

const arbEventAndInstant = arbEvent.chain((e) => fc.tuple(fc.constant(e), arbInstantFor(e)));

// ---------------------------------------------------------------------------------------------
// Hand-picked cases.
// ---------------------------------------------------------------------------------------------

const at = (iso: string): Instant => Date.parse(iso);

/** An event with every date, one day apart, from 2027-01-01 to 2027-01-06. */
const full: EventDates = {
  registrationOpensAt: at('2027-01-01T00:00:00.000Z'),
  registrationClosesAt: at('2027-01-02T00:00:00.000Z'),
  startsAt: at('2027-01-03T00:00:00.000Z'),
  endsAt: at('2027-01-04T00:00:00.000Z'),
  certificatesOpenAt: at('2027-01-05T00:00:00.000Z'),
  certificatesCloseAt: at('2027-01-06T00:00:00.000Z'),
};
const bare: EventDates = {
  ...full,
  registrationOpensAt: null,
  registrationClosesAt: null,
  certificatesOpenAt: null,
  certificatesCloseAt: null,
};

describe('lifecycleAt: SPEC §4 table, explicit cases', () => {
  const cases: ReadonlyArray<[string, EventDates, string, TimeStatus, TimePhase]> = [
    ['no registration window, long before start', bare, '2026-06-01T00:00:00.000Z', 'upcoming', 'scheduled'],
    ['no registration window, 1 ms before start', bare, '2027-01-02T23:59:59.999Z', 'upcoming', 'scheduled'],
    ['no registration window, at start', bare, '2027-01-03T00:00:00.000Z', 'ongoing', 'in_progress'],
    ['before registration opens', full, '2026-12-31T23:59:59.999Z', 'upcoming', 'registration_not_started'],
    ['exactly when registration opens', full, '2027-01-01T00:00:00.000Z', 'upcoming', 'registration_open'],
    ['1 ms before registration closes', full, '2027-01-01T23:59:59.999Z', 'upcoming', 'registration_open'],
    ['exactly when registration closes', full, '2027-01-02T00:00:00.000Z', 'upcoming', 'registration_closed'],
    ['1 ms before start', full, '2027-01-02T23:59:59.999Z', 'upcoming', 'registration_closed'],
    ['exactly at start', full, '2027-01-03T00:00:00.000Z', 'ongoing', 'in_progress'],
    ['1 ms before end', full, '2027-01-03T23:59:59.999Z', 'ongoing', 'in_progress'],
    ['exactly at end, certificates later: the gap is ended', full, '2027-01-04T00:00:00.000Z', 'completed', 'ended'],
    ['in the gap between end and certificates', full, '2027-01-04T12:00:00.000Z', 'completed', 'ended'],
    ['exactly when certificates open', full, '2027-01-05T00:00:00.000Z', 'completed', 'certificates_available'],
    ['1 ms before certificates close', full, '2027-01-05T23:59:59.999Z', 'completed', 'certificates_available'],
    ['exactly when certificates close', full, '2027-01-06T00:00:00.000Z', 'completed', 'ended'],
    ['long after everything', full, '2030-01-01T00:00:00.000Z', 'completed', 'ended'],
    ['no certificate window, after end', bare, '2027-01-05T12:00:00.000Z', 'completed', 'ended'],
    [
      'registration closes exactly at start: at start it is ongoing',
      { ...full, registrationClosesAt: full.startsAt },
      '2027-01-03T00:00:00.000Z',
      'ongoing',
      'in_progress',
    ],
    [
      'registration closes exactly at start: 1 ms before it is still open',
      { ...full, registrationClosesAt: full.startsAt },
      '2027-01-02T23:59:59.999Z',
      'upcoming',
      'registration_open',
    ],
    [
      'certificates open exactly at end: at end they are available',
      { ...full, certificatesOpenAt: full.endsAt },
      '2027-01-04T00:00:00.000Z',
      'completed',
      'certificates_available',
    ],
    [
      'certificates open exactly at end: 1 ms before end still in progress',
      { ...full, certificatesOpenAt: full.endsAt },
      '2027-01-03T23:59:59.999Z',
      'ongoing',
      'in_progress',
    ],
  ];

  it.each(cases)('%s', (_name, e, t, status, phase) => {
    expect(lifecycleAt(e, at(t))).toEqual({ status, phase });
    // The oracle agrees with the hand-written expectation too (it is checked, not trusted).
    expect(oracle(e, at(t))).toEqual({ status, phase });
  });
});

describe('nextTransition, boundaries, pendingTriggers, stateAt: explicit cases', () => {
  it('walks through every phase of a full event', () => {
    const seen: string[] = [];
    let t = at('2026-01-01T00:00:00.000Z');
    for (let n = nextTransition(full, t); n !== null; n = nextTransition(full, t)) {
      seen.push(`${new Date(n.at).toISOString()} ${n.status}/${n.phase}`);
      t = n.at;
    }
    expect(seen).toEqual([
      '2027-01-01T00:00:00.000Z upcoming/registration_open',
      '2027-01-02T00:00:00.000Z upcoming/registration_closed',
      '2027-01-03T00:00:00.000Z ongoing/in_progress',
      '2027-01-04T00:00:00.000Z completed/ended',
      '2027-01-05T00:00:00.000Z completed/certificates_available',
      '2027-01-06T00:00:00.000Z completed/ended',
    ]);
  });

  it('skips a boundary that does not change the state (certificates open at end)', () => {
    const e = { ...full, certificatesOpenAt: full.endsAt };
    expect(nextTransition(e, at('2027-01-03T12:00:00.000Z'))).toEqual({
      at: full.endsAt,
      status: 'completed',
      phase: 'certificates_available',
    });
  });

  it('is null once nothing will change, and at a boundary looks strictly after it', () => {
    expect(nextTransition(full, full.certificatesCloseAt as Instant)).toBeNull();
    expect(nextTransition(bare, bare.endsAt)).toBeNull();
    expect(nextTransition(bare, bare.startsAt)).toEqual({ at: bare.endsAt, status: 'completed', phase: 'ended' });
  });

  it('boundaries: one per existing date, sorted, ties in SPEC order', () => {
    expect(boundaries(bare)).toEqual([
      { trigger: 'event_start', at: bare.startsAt },
      { trigger: 'event_end', at: bare.endsAt },
    ]);
    const tied = { ...full, registrationClosesAt: full.startsAt, certificatesOpenAt: full.endsAt };
    expect(boundaries(tied).map((b) => b.trigger)).toEqual([
      'registration_open',
      'registration_close',
      'event_start',
      'event_end',
      'certificates_open',
      'certificates_close',
    ]);
  });

  it('pendingTriggers: strictly future boundaries only', () => {
    expect(pendingTriggers(full, full.startsAt).map((b) => b.trigger)).toEqual([
      'event_end',
      'certificates_open',
      'certificates_close',
    ]);
    expect(pendingTriggers(full, full.startsAt - 1).map((b) => b.trigger)).toEqual([
      'event_start',
      'event_end',
      'certificates_open',
      'certificates_close',
    ]);
    expect(pendingTriggers(full, full.certificatesCloseAt as Instant)).toEqual([]);
    expect(pendingTriggers(bare, 0)).toHaveLength(2);
  });

  it('stateAt: workflow statuses have phase = status; time statuses follow the clock', () => {
    const t = at('2027-01-03T12:00:00.000Z');
    for (const status of ['draft', 'pending_approval', 'declined', 'cancelled'] as const) {
      expect(stateAt(full, status, t)).toEqual({ status, phase: status });
    }
    for (const status of ['upcoming', 'ongoing', 'completed'] as const) {
      expect(stateAt(full, status, t)).toEqual({ status: 'ongoing', phase: 'in_progress' });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------

describe('lifecycle properties (fast-check)', () => {
  it('generator sanity: events respect the SPEC order and produce equal boundaries sometimes', () => {
    const samples = fc.sample(arbEvent, 1000);
    let closesAtStart = 0;
    let certsAtEnd = 0;
    let noReg = 0;
    let noCerts = 0;
    for (const e of samples) {
      expect(e.startsAt).toBeLessThan(e.endsAt);
      expect(e.registrationOpensAt === null).toBe(e.registrationClosesAt === null);
      expect(e.certificatesOpenAt === null).toBe(e.certificatesCloseAt === null);
      if (e.registrationOpensAt !== null && e.registrationClosesAt !== null) {
        expect(e.registrationOpensAt).toBeLessThan(e.registrationClosesAt);
        expect(e.registrationClosesAt).toBeLessThanOrEqual(e.startsAt);
        if (e.registrationClosesAt === e.startsAt) closesAtStart++;
      } else noReg++;
      if (e.certificatesOpenAt !== null && e.certificatesCloseAt !== null) {
        expect(e.endsAt).toBeLessThanOrEqual(e.certificatesOpenAt);
        expect(e.certificatesOpenAt).toBeLessThan(e.certificatesCloseAt);
        if (e.certificatesOpenAt === e.endsAt) certsAtEnd++;
      } else noCerts++;
    }
    for (const n of [closesAtStart, certsAtEnd, noReg, noCerts]) expect(n).toBeGreaterThan(25);
  });

  it('lifecycleAt equals the oracle', () => {
    fc.assert(
      fc.property(arbEventAndInstant, ([e, t]) => {
        expect(lifecycleAt(e, t)).toEqual(oracle(e, t));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('lifecycleAt equals the oracle on every boundary and 1 ms either side of it', () => {
    fc.assert(
      fc.property(arbEvent, (e) => {
        for (const b of instantsOf(e)) {
          for (const t of [b - 1, b, b + 1]) expect(lifecycleAt(e, t)).toEqual(oracle(e, t));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('nextTransition equals the oracle', () => {
    fc.assert(
      fc.property(arbEventAndInstant, ([e, t]) => {
        expect(nextTransition(e, t)).toEqual(oracleNext(e, t));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('nextTransition is null or later, different from now, the state at its instant, and the first change', () => {
    fc.assert(
      fc.property(arbEventAndInstant, ([e, t]) => {
        const now = lifecycleAt(e, t);
        const n = nextTransition(e, t);
        if (n === null) {
          // Nothing changes any more: the state at the last boundary and far after equals now.
          const last = instantsOf(e).at(-1) as Instant;
          expect(lifecycleAt(e, Math.max(t, last) + 365 * DAY)).toEqual(now);
          return;
        }
        expect(n.at).toBeGreaterThan(t);
        expect({ status: n.status, phase: n.phase }).not.toEqual(now);
        expect({ status: n.status, phase: n.phase }).toEqual(lifecycleAt(e, n.at));
        // No earlier change: 1 ms before it the state is still the current one.
        if (n.at - 1 > t) expect(lifecycleAt(e, n.at - 1)).toEqual(now);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('lifecycleAt is constant between consecutive boundaries (and before the first, after the last)', () => {
    const arb = arbEvent.chain((e) => {
      const xs = instantsOf(e);
      // segment i is [xs[i-1], xs[i]); segment 0 is before the first, segment xs.length after the last
      return fc.tuple(fc.constant(e), fc.integer({ min: 0, max: xs.length }), fc.double({ min: 0, max: 1, noNaN: true }));
    });
    fc.assert(
      fc.property(arb, ([e, i, f]) => {
        const xs = instantsOf(e);
        const first = xs[0] as Instant;
        const last = xs[xs.length - 1] as Instant;
        const from = i === 0 ? first - 30 * DAY : (xs[i - 1] as Instant);
        const to = i === xs.length ? last + 30 * DAY : (xs[i] as Instant); // exclusive
        const t = Math.min(to - 1, from + Math.floor(f * (to - from)));
        const ref = lifecycleAt(e, from);
        expect(lifecycleAt(e, t)).toEqual(ref);
        expect(lifecycleAt(e, to - 1)).toEqual(ref);
      }),
      { numRuns: RUNS },
    );
  });

  it('pendingTriggers(e, now) = the boundaries with at > now, one per existing date', () => {
    fc.assert(
      fc.property(arbEventAndInstant, ([e, now]) => {
        const expected = TRIGGER_OF.flatMap(([field, trigger]) => {
          const v = e[field];
          return v !== null && v > now ? [{ trigger, at: v }] : [];
        });
        const got = pendingTriggers(e, now);
        // Sorted by instant…
        for (let i = 1; i < got.length; i++)
          expect((got[i] as { at: Instant }).at).toBeGreaterThanOrEqual((got[i - 1] as { at: Instant }).at);
        // …one per trigger kind…
        expect(new Set(got.map((b) => b.trigger)).size).toBe(got.length);
        // …and exactly the future dates (the SPEC order is also the sorted order for valid events).
        expect(got).toEqual(expected);
        // all boundaries = the existing dates
        expect(boundaries(e)).toEqual(
          TRIGGER_OF.flatMap(([field, trigger]) => {
            const v = e[field];
            return v === null ? [] : [{ trigger, at: v }];
          }),
        );
      }),
      { numRuns: RUNS },
    );
  });
});
