/**
 * resolveEventFields (SPEC §2): trimming and lengths, time zones, both-or-neither pairs, the order
 * of dates (each violation names the later field), patches over a base, and every problem at once.
 * Expected instants are worked out by hand: Asia/Kolkata is +05:30, America/New_York is −05:00 in
 * January, Europe/Berlin +01:00 in January.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventFields } from '../src/index.ts';
import { KairosError, resolveEventFields } from '../src/index.ts';

type Input = Parameters<typeof resolveEventFields>[0];

const utc = (iso: string): number => Date.parse(iso);

/** A valid create body, read in Asia/Kolkata. */
const minimal = {
  title: 'Kairos launch',
  timezone: 'Asia/Kolkata',
  startsAt: '2027-01-10T10:00',
  endsAt: '2027-01-11T10:00',
} satisfies Input;

const full = {
  ...minimal,
  description: 'An evening of talks',
  venue: 'Main hall',
  capacity: 120,
  registrationOpensAt: '2027-01-01T09:00',
  registrationClosesAt: '2027-01-09T18:00',
  certificatesOpenAt: '2027-01-12T09:00',
  certificatesCloseAt: '2027-01-31T18:00',
} satisfies Input;

function rejects(input: Input, base: EventFields | null = null, defaultTimezone = 'UTC'): KairosError {
  try {
    resolveEventFields(input, base, defaultTimezone);
  } catch (e) {
    expect(e).toBeInstanceOf(KairosError);
    const err = e as KairosError;
    expect(err.details?.length ?? 0).toBeGreaterThan(0);
    for (const d of err.details ?? []) expect(d.message.length).toBeGreaterThan(0);
    return err;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

const paths = (e: KairosError): string[] => (e.details ?? []).map((d) => d.path);

describe('resolveEventFields: a create', () => {
  it('resolves a minimal event with defaults', () => {
    expect(resolveEventFields(minimal, null, 'UTC')).toEqual({
      title: 'Kairos launch',
      description: null,
      venue: null,
      timezone: 'Asia/Kolkata',
      capacity: null,
      registrationOpensAt: null,
      registrationClosesAt: null,
      startsAt: utc('2027-01-10T04:30:00.000Z'),
      endsAt: utc('2027-01-11T04:30:00.000Z'),
      certificatesOpenAt: null,
      certificatesCloseAt: null,
      reminderMinutesBefore: 1440,
    } satisfies EventFields);
  });

  it('resolves every field, wall times in the event zone', () => {
    expect(resolveEventFields(full, null, 'UTC')).toEqual({
      title: 'Kairos launch',
      description: 'An evening of talks',
      venue: 'Main hall',
      timezone: 'Asia/Kolkata',
      capacity: 120,
      registrationOpensAt: utc('2027-01-01T03:30:00.000Z'),
      registrationClosesAt: utc('2027-01-09T12:30:00.000Z'),
      startsAt: utc('2027-01-10T04:30:00.000Z'),
      endsAt: utc('2027-01-11T04:30:00.000Z'),
      certificatesOpenAt: utc('2027-01-12T03:30:00.000Z'),
      certificatesCloseAt: utc('2027-01-31T12:30:00.000Z'),
      reminderMinutesBefore: 1440,
    } satisfies EventFields);
  });

  it('uses the default time zone when none is given', () => {
    const { timezone: _, ...noZone } = minimal;
    const r = resolveEventFields(noZone, null, 'Europe/Berlin');
    expect(r.timezone).toBe('Europe/Berlin');
    expect(r.startsAt).toBe(utc('2027-01-10T09:00:00.000Z'));
    expect(resolveEventFields(noZone, null, 'UTC').startsAt).toBe(utc('2027-01-10T10:00:00.000Z'));
    // A given zone beats the default.
    expect(resolveEventFields(minimal, null, 'Europe/Berlin').timezone).toBe('Asia/Kolkata');
  });

  it('offsets in dates win over the event zone', () => {
    const r = resolveEventFields({ ...minimal, startsAt: '2027-01-10T10:00Z', endsAt: '2027-01-10T10:00:00.001Z' }, null, 'UTC');
    expect(r.startsAt).toBe(utc('2027-01-10T10:00:00.000Z'));
    expect(r.endsAt).toBe(utc('2027-01-10T10:00:00.001Z'));
  });

  it('startsAt and endsAt are required', () => {
    expect(paths(rejects({ title: 'x' })).sort()).toEqual(['endsAt', 'startsAt']);
  });

  it('a required date cleared to null (a form emptied it) is "is required", also over a base', () => {
    const e = rejects({ ...minimal, startsAt: null });
    expect(e.details).toEqual([{ path: 'startsAt', message: 'is required' }]);
    const base = resolveEventFields(minimal, null, 'UTC');
    expect(rejects({ endsAt: null }, base).details).toEqual([{ path: 'endsAt', message: 'is required' }]);
  });

  it('capacity: a whole number from 1 to 1 000 000, or null for none (one rule for the form and the API)', () => {
    for (const bad of [0, -3, 1.5, Number.NaN, 1_000_001]) {
      expect(rejects({ ...minimal, capacity: bad }).details).toEqual([
        { path: 'capacity', message: 'must be a whole number from 1 to 1000000' },
      ]);
    }
    expect(resolveEventFields({ ...minimal, capacity: 1_000_000 }, null, 'UTC').capacity).toBe(1_000_000);
    expect(resolveEventFields({ ...minimal, capacity: null }, null, 'UTC').capacity).toBeNull();
  });

  it('a malformed date is reported once, on its field', () => {
    const e = rejects({ ...minimal, endsAt: 'next tuesday' });
    expect(e.code).toBe('validation_failed');
    expect(paths(e)).toEqual(['endsAt']);
  });

  it('a wall time that does not exist → invalid_local_time on that field', () => {
    const e = rejects({ ...minimal, timezone: 'America/New_York', startsAt: '2027-03-14T02:30', endsAt: '2027-03-14T05:00' });
    expect(e.code).toBe('invalid_local_time');
    expect(e.status).toBe(400);
    expect(paths(e)).toEqual(['startsAt']);
  });

  it('a repeated wall time is the earlier instant', () => {
    const r = resolveEventFields(
      { ...minimal, timezone: 'America/New_York', startsAt: '2027-11-07T01:30', endsAt: '2027-11-07T03:00' },
      null,
      'UTC',
    );
    expect(r.startsAt).toBe(utc('2027-11-07T05:30:00.000Z'));
    expect(r.endsAt).toBe(utc('2027-11-07T08:00:00.000Z'));
  });
});

describe('resolveEventFields: title, description, venue', () => {
  it('trims the title', () => {
    expect(resolveEventFields({ ...minimal, title: '  Launch \n' }, null, 'UTC').title).toBe('Launch');
    expect(resolveEventFields({ ...minimal, title: '\t\u00a0Launch\u3000' }, null, 'UTC').title).toBe('Launch');
  });

  it.each([[''], ['   '], ['\n\t ']])('an empty title %j is rejected', (title) => {
    const e = rejects({ ...minimal, title });
    expect(e.code).toBe('validation_failed');
    expect(paths(e)).toEqual(['title']);
  });

  it('a create without a title is rejected', () => {
    const { title: _, ...noTitle } = minimal;
    expect(paths(rejects(noTitle))).toEqual(['title']);
  });

  it('title: 1 to 200 characters after trimming', () => {
    expect(resolveEventFields({ ...minimal, title: 'a' }, null, 'UTC').title).toBe('a');
    expect(resolveEventFields({ ...minimal, title: 'a'.repeat(200) }, null, 'UTC').title).toBe('a'.repeat(200));
    expect(resolveEventFields({ ...minimal, title: `   ${'a'.repeat(200)}   ` }, null, 'UTC').title).toBe('a'.repeat(200));
    expect(paths(rejects({ ...minimal, title: 'a'.repeat(201) }))).toEqual(['title']);
  });

  it('title: an emoji counts as one character', () => {
    const emoji = '😀'; // U+1F600: two UTF-16 units, one code point
    expect(emoji.length).toBe(2);
    expect(resolveEventFields({ ...minimal, title: emoji.repeat(200) }, null, 'UTC').title).toBe(emoji.repeat(200));
    expect(resolveEventFields({ ...minimal, title: `${'a'.repeat(199)}${emoji}` }, null, 'UTC').title).toHaveLength(201);
    expect(paths(rejects({ ...minimal, title: emoji.repeat(201) }))).toEqual(['title']);
  });

  it('description: at most 10 000 characters, null or absent is none', () => {
    expect(resolveEventFields({ ...minimal, description: 'd'.repeat(10_000) }, null, 'UTC').description).toHaveLength(10_000);
    expect(resolveEventFields({ ...minimal, description: '🎉'.repeat(10_000) }, null, 'UTC').description).toHaveLength(20_000);
    expect(paths(rejects({ ...minimal, description: 'd'.repeat(10_001) }))).toEqual(['description']);
    expect(resolveEventFields({ ...minimal, description: null }, null, 'UTC').description).toBeNull();
  });

  it('venue: at most 300 characters', () => {
    expect(resolveEventFields({ ...minimal, venue: 'v'.repeat(300) }, null, 'UTC').venue).toBe('v'.repeat(300));
    expect(resolveEventFields({ ...minimal, venue: '🏛'.repeat(300) }, null, 'UTC').venue).toBe('🏛'.repeat(300));
    expect(paths(rejects({ ...minimal, venue: 'v'.repeat(301) }))).toEqual(['venue']);
    expect(resolveEventFields({ ...minimal, venue: null }, null, 'UTC').venue).toBeNull();
  });
});

describe('resolveEventFields: time zone', () => {
  it.each([['Mars/Olympus_Mons'], ['+05:30'], [''], ['Asia/Kolkata/Nowhere'], ['America/NewYork']])(
    'unknown zone %j → validation_failed on timezone',
    (timezone) => {
      const e = rejects({ ...minimal, timezone });
      expect(e.code).toBe('validation_failed');
      expect(e.status).toBe(400);
      expect(paths(e)).toEqual(['timezone']);
    },
  );

  it('an unknown zone in a patch is rejected too', () => {
    const base = resolveEventFields(full, null, 'UTC');
    expect(paths(rejects({ timezone: 'Nowhere/Land' }, base))).toEqual(['timezone']);
  });
});

describe('resolveEventFields: pairs are both or neither', () => {
  const { registrationOpensAt, registrationClosesAt, certificatesOpenAt, certificatesCloseAt, ...bare } = full;
  const cases: ReadonlyArray<[string, Input, string]> = [
    ['only registrationOpensAt', { ...bare, registrationOpensAt }, 'registrationClosesAt'],
    ['only registrationClosesAt', { ...bare, registrationClosesAt }, 'registrationOpensAt'],
    ['only certificatesOpenAt', { ...bare, certificatesOpenAt }, 'certificatesCloseAt'],
    ['only certificatesCloseAt', { ...bare, certificatesCloseAt }, 'certificatesOpenAt'],
    ['registrationOpensAt null', { ...bare, registrationOpensAt: null, registrationClosesAt }, 'registrationOpensAt'],
    ['certificatesCloseAt null', { ...bare, certificatesOpenAt, certificatesCloseAt: null }, 'certificatesCloseAt'],
  ];
  it.each(cases)('%s → names %s', (_name, input, missing) => {
    const e = rejects(input);
    expect(e.code).toBe('validation_failed');
    expect(paths(e)).toEqual([missing]);
  });

  it('neither, or both, is fine', () => {
    expect(() => resolveEventFields(bare, null, 'UTC')).not.toThrow();
    expect(() => resolveEventFields({ ...bare, registrationOpensAt, registrationClosesAt }, null, 'UTC')).not.toThrow();
    expect(() => resolveEventFields({ ...bare, certificatesOpenAt, certificatesCloseAt }, null, 'UTC')).not.toThrow();
  });
});

describe('resolveEventFields: the order of dates', () => {
  // All in UTC with millisecond offsets so strictness is tested to the millisecond.
  const at = {
    registrationOpensAt: '2027-01-01T00:00:00.000Z',
    registrationClosesAt: '2027-01-02T00:00:00.000Z',
    startsAt: '2027-01-03T00:00:00.000Z',
    endsAt: '2027-01-04T00:00:00.000Z',
    certificatesOpenAt: '2027-01-05T00:00:00.000Z',
    certificatesCloseAt: '2027-01-06T00:00:00.000Z',
  };
  const body = (over: Partial<typeof at>): Input => ({ title: 'Ordered', timezone: 'UTC', ...at, ...over });

  const violations: ReadonlyArray<[string, Partial<typeof at>, string]> = [
    ['registration closes when it opens', { registrationClosesAt: at.registrationOpensAt }, 'registrationClosesAt'],
    ['registration closes before it opens', { registrationClosesAt: '2026-12-31T23:59:59.999Z' }, 'registrationClosesAt'],
    ['registration closes 1 ms after start', { registrationClosesAt: '2027-01-03T00:00:00.001Z' }, 'startsAt'],
    ['start 1 ms before registration closes', { startsAt: '2027-01-01T23:59:59.999Z' }, 'startsAt'],
    ['ends when it starts', { endsAt: at.startsAt }, 'endsAt'],
    ['ends 1 ms before it starts', { endsAt: '2027-01-02T23:59:59.999Z' }, 'endsAt'],
    ['certificates open 1 ms before end', { certificatesOpenAt: '2027-01-03T23:59:59.999Z' }, 'certificatesOpenAt'],
    ['certificates close when they open', { certificatesCloseAt: at.certificatesOpenAt }, 'certificatesCloseAt'],
    ['certificates close before they open', { certificatesCloseAt: '2027-01-04T12:00:00.000Z' }, 'certificatesCloseAt'],
  ];
  it.each(violations)('%s → names %s', (_name, over, later) => {
    const e = rejects(body(over));
    expect(e.code).toBe('validation_failed');
    expect(paths(e)).toEqual([later]);
  });

  it('equal where ≤ allows it: registration closes at start, certificates open at end', () => {
    const r = resolveEventFields(body({ registrationClosesAt: at.startsAt, certificatesOpenAt: at.endsAt }), null, 'UTC');
    expect(r.registrationClosesAt).toBe(r.startsAt);
    expect(r.certificatesOpenAt).toBe(r.endsAt);
  });

  it('without the optional pairs only startsAt < endsAt is checked', () => {
    const e = rejects({ title: 'x', timezone: 'UTC', startsAt: at.endsAt, endsAt: at.startsAt });
    expect(paths(e)).toEqual(['endsAt']);
    expect(() =>
      resolveEventFields({ title: 'x', startsAt: at.startsAt, endsAt: '2027-01-03T00:00:00.001Z' }, null, 'UTC'),
    ).not.toThrow();
  });

  /**
   * Property: with arbitrary (unordered) instants for present fields, the problems are exactly the
   * later fields of the consecutive pairs of SPEC §2's order that are out of order. (Any violation
   * between non-neighbours implies one between neighbours, so neighbours are what must be named.)
   */
  it('names exactly the later field of every pair out of order (property)', () => {
    const FIELDS = [
      'registrationOpensAt',
      'registrationClosesAt',
      'startsAt',
      'endsAt',
      'certificatesOpenAt',
      'certificatesCloseAt',
    ] as const;
    type Field = (typeof FIELDS)[number];
    const base = utc('2027-01-01T00:00:00.000Z');
    // A handful of nearby instants so ties and 1 ms differences are common.
    const arbAt = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 10 * 86_400_000 })).map((d) => base + d);
    const arb = fc.record({
      reg: fc.boolean(),
      certs: fc.boolean(),
      values: fc.tuple(arbAt, arbAt, arbAt, arbAt, arbAt, arbAt),
    });
    fc.assert(
      fc.property(arb, ({ reg, certs, values }) => {
        const v = Object.fromEntries(FIELDS.map((f, i) => [f, values[i] as number])) as Record<Field, number>;
        const present = FIELDS.filter((f) => (reg || !f.startsWith('registration')) && (certs || !f.startsWith('certificates')));
        // Neighbours in the order among the present fields, with ≤ only for the two marked pairs.
        const expected: string[] = [];
        for (let i = 1; i < present.length; i++) {
          const a = present[i - 1] as Field;
          const b = present[i] as Field;
          const lax = (a === 'registrationClosesAt' && b === 'startsAt') || (a === 'endsAt' && b === 'certificatesOpenAt');
          if (lax ? v[a] > v[b] : v[a] >= v[b]) expected.push(b);
        }
        const input = Object.fromEntries([
          ['title', 'p'],
          ['timezone', 'UTC'],
          ...present.map((f) => [f, new Date(v[f]).toISOString()]),
        ]) as Input;
        if (expected.length === 0) {
          const r = resolveEventFields(input, null, 'UTC');
          for (const f of FIELDS) expect(r[f]).toBe(present.includes(f) ? v[f] : null);
        } else {
          const e = rejects(input);
          expect(e.code).toBe('validation_failed');
          expect(paths(e).sort()).toEqual(expected.sort());
        }
      }),
      { numRuns: 600 },
    );
  });
});

describe('resolveEventFields: a patch over a base', () => {
  const base = resolveEventFields(full, null, 'UTC');

  it('an empty patch keeps everything', () => {
    expect(resolveEventFields({}, base, 'UTC')).toEqual(base);
  });

  it('merges: only the given fields change', () => {
    const r = resolveEventFields({ title: '  Renamed ', capacity: 50 }, base, 'UTC');
    expect(r).toEqual({ ...base, title: 'Renamed', capacity: 50 });
  });

  it("reads wall times in the base's zone when the patch keeps it (not the default)", () => {
    const r = resolveEventFields({ startsAt: '2027-01-10T09:00' }, base, 'Europe/Berlin');
    expect(r.timezone).toBe('Asia/Kolkata');
    expect(r.startsAt).toBe(utc('2027-01-10T03:30:00.000Z'));
    expect(r.endsAt).toBe(base.endsAt);
  });

  it('reads wall times in the NEW zone when the patch changes it', () => {
    const r = resolveEventFields({ timezone: 'America/New_York', startsAt: '2027-01-10T08:00' }, base, 'UTC');
    expect(r.timezone).toBe('America/New_York');
    expect(r.startsAt).toBe(utc('2027-01-10T13:00:00.000Z')); // 08:00 EST (−05:00)
    // Dates the patch does not touch keep their instants.
    expect(r.endsAt).toBe(base.endsAt);
    expect(r.registrationOpensAt).toBe(base.registrationOpensAt);
  });

  it('changing only the zone moves no instant', () => {
    const r = resolveEventFields({ timezone: 'Europe/Berlin' }, base, 'UTC');
    expect(r).toEqual({ ...base, timezone: 'Europe/Berlin' });
  });

  it('null removes an optional pair and optional texts', () => {
    const r = resolveEventFields(
      {
        registrationOpensAt: null,
        registrationClosesAt: null,
        certificatesOpenAt: null,
        certificatesCloseAt: null,
        description: null,
        venue: null,
        capacity: null,
      },
      base,
      'UTC',
    );
    expect(r).toEqual({
      ...base,
      registrationOpensAt: null,
      registrationClosesAt: null,
      certificatesOpenAt: null,
      certificatesCloseAt: null,
      description: null,
      venue: null,
      capacity: null,
    });
  });

  it('removing half of a pair names the removed half', () => {
    expect(paths(rejects({ registrationClosesAt: null }, base))).toEqual(['registrationClosesAt']);
    expect(paths(rejects({ certificatesOpenAt: null }, base))).toEqual(['certificatesOpenAt']);
  });

  it('adding a pair to an event without one', () => {
    const bare = resolveEventFields(minimal, null, 'UTC');
    const r = resolveEventFields(
      { registrationOpensAt: '2027-01-01T09:00', registrationClosesAt: '2027-01-10T10:00' },
      bare,
      'UTC',
    );
    expect(r.registrationOpensAt).toBe(utc('2027-01-01T03:30:00.000Z'));
    expect(r.registrationClosesAt).toBe(r.startsAt);
    expect(paths(rejects({ certificatesOpenAt: '2027-01-12T09:00' }, bare))).toEqual(['certificatesCloseAt']);
  });

  it('the order is checked against the merged dates', () => {
    // Start after registration closes is fine; start before registration closes names startsAt.
    expect(paths(rejects({ startsAt: '2027-01-09T17:59' }, base))).toEqual(['startsAt']);
    // End moved onto the (unchanged) start names endsAt (endsAt ≤ certificatesOpenAt still holds).
    expect(paths(rejects({ endsAt: '2027-01-10T10:00' }, base))).toEqual(['endsAt']);
    // End moved after the (unchanged) certificate opening names certificatesOpenAt.
    expect(paths(rejects({ endsAt: '2027-01-12T09:00:01' }, base))).toEqual(['certificatesOpenAt']);
  });

  it('an empty title in a patch is rejected; an absent one keeps the base title', () => {
    expect(paths(rejects({ title: '  ' }, base))).toEqual(['title']);
    expect(resolveEventFields({ venue: 'Annex' }, base, 'UTC').title).toBe(base.title);
  });
});

describe('resolveEventFields: every problem at once', () => {
  it('lists all problems in one error, the message being the first', () => {
    const e = rejects({
      title: '   ',
      description: 'd'.repeat(10_001),
      venue: 'v'.repeat(301),
      timezone: 'Nowhere/Land',
      registrationOpensAt: '2027-01-01T00:00Z',
      startsAt: '2027-01-10T12:00Z',
      endsAt: '2027-01-10T11:00Z',
      certificatesOpenAt: '2027-02-30T00:00Z',
      certificatesCloseAt: '2027-03-01T00:00Z',
    });
    expect(e.code).toBe('validation_failed');
    expect(new Set(paths(e))).toEqual(
      new Set(['title', 'description', 'venue', 'timezone', 'registrationClosesAt', 'endsAt', 'certificatesOpenAt']),
    );
    expect(paths(e)).toHaveLength(7);
    const first = e.details?.[0];
    expect(e.message).toBe(`${first?.path} ${first?.message}`);
    expect(e.toBody().error.details).toEqual(e.details);
  });

  it('a nonexistent local time makes the whole error invalid_local_time, still listing the rest', () => {
    const e = rejects({
      title: '',
      timezone: 'Europe/Berlin',
      startsAt: '2027-03-28T02:30',
      endsAt: '2027-03-28T01:00',
      venue: 'v'.repeat(301),
    });
    expect(e.code).toBe('invalid_local_time');
    expect(new Set(paths(e))).toEqual(new Set(['title', 'startsAt', 'venue']));
  });
});
