/**
 * Instants at the edges (SPEC §2 "Instants"). Every expected value below was worked out by hand
 * from the zones' rules (noted next to each case), not by calling the code under test:
 * - America/New_York 2027: EST −05:00; DST from Sun 14 Mar 02:00 (→ 03:00, EDT −04:00)
 *   to Sun 7 Nov 02:00 EDT (→ 01:00 EST).
 * - Europe/Berlin 2027: CET +01:00; CEST +02:00 from Sun 28 Mar 02:00 (→ 03:00) to Sun 31 Oct 03:00 (→ 02:00).
 * - Asia/Kolkata: +05:30 all year.
 * - Australia/Lord_Howe 2027: LHST +10:30; LHDT +11:00 (a 30-minute shift) until Sun 4 Apr 02:00
 *   (→ 01:30) and again from Sun 3 Oct 02:00 (→ 02:30).
 * The suite runs under any process TZ (the project runs it under Asia/Kathmandu, +05:45).
 */
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import type { ParsedInstant } from '../src/index.ts';
import { formatInstant, isValidTimeZone, parseInstant, toWallTime } from '../src/index.ts';

/** The instant of a parse that must succeed, as an ISO string (via Date, not formatInstant). */
function iso(input: string, zone: string): string {
  const r = parseInstant(input, zone);
  if (!r.ok) throw new Error(`expected ${input} in ${zone} to parse, got ${r.code}: ${r.message}`);
  return new Date(r.at).toISOString();
}

function failure(input: string, zone: string): Extract<ParsedInstant, { ok: false }> {
  const r = parseInstant(input, zone);
  if (r.ok) throw new Error(`expected ${input} in ${zone} to be rejected, got ${new Date(r.at).toISOString()}`);
  expect(r.message.length).toBeGreaterThan(0);
  return r;
}

describe('parseInstant: wall times, DST-correct', () => {
  const ok: ReadonlyArray<[zone: string, wall: string, utc: string, why: string]> = [
    // America/New_York
    ['America/New_York', '2027-01-10T10:00', '2027-01-10T15:00:00.000Z', 'winter, EST −5'],
    ['America/New_York', '2027-07-01T10:00', '2027-07-01T14:00:00.000Z', 'summer, EDT −4'],
    ['America/New_York', '2027-03-14T01:59', '2027-03-14T06:59:00.000Z', 'last minute before the gap, EST'],
    ['America/New_York', '2027-03-14T03:00', '2027-03-14T07:00:00.000Z', 'first minute after the gap, EDT'],
    ['America/New_York', '2027-11-07T00:59', '2027-11-07T04:59:00.000Z', 'before the overlap, EDT'],
    ['America/New_York', '2027-11-07T01:00', '2027-11-07T05:00:00.000Z', 'start of the overlap: earlier (EDT)'],
    ['America/New_York', '2027-11-07T01:30', '2027-11-07T05:30:00.000Z', 'in the overlap: earlier (EDT), not 06:30Z'],
    ['America/New_York', '2027-11-07T01:59', '2027-11-07T05:59:00.000Z', 'end of the overlap: earlier (EDT)'],
    ['America/New_York', '2027-11-07T02:00', '2027-11-07T07:00:00.000Z', 'after the overlap, EST'],
    // Europe/Berlin
    ['Europe/Berlin', '2027-01-10T10:00', '2027-01-10T09:00:00.000Z', 'winter, CET +1'],
    ['Europe/Berlin', '2027-03-28T01:59', '2027-03-28T00:59:00.000Z', 'before the gap, CET'],
    ['Europe/Berlin', '2027-03-28T03:00', '2027-03-28T01:00:00.000Z', 'after the gap, CEST'],
    ['Europe/Berlin', '2027-10-31T01:59', '2027-10-30T23:59:00.000Z', 'before the overlap, CEST'],
    ['Europe/Berlin', '2027-10-31T02:00', '2027-10-31T00:00:00.000Z', 'start of the overlap: earlier (CEST)'],
    ['Europe/Berlin', '2027-10-31T02:30', '2027-10-31T00:30:00.000Z', 'in the overlap: earlier (CEST), not 01:30Z'],
    ['Europe/Berlin', '2027-10-31T03:00', '2027-10-31T02:00:00.000Z', 'after the overlap, CET'],
    // Asia/Kolkata
    ['Asia/Kolkata', '2027-01-10T10:00', '2027-01-10T04:30:00.000Z', '+5:30'],
    ['Asia/Kolkata', '2027-07-10T10:00', '2027-07-10T04:30:00.000Z', '+5:30, no DST'],
    ['Asia/Kolkata', '2027-01-01T03:00', '2026-12-31T21:30:00.000Z', 'crosses the date line backwards'],
    // UTC
    ['UTC', '2027-06-01T12:00', '2027-06-01T12:00:00.000Z', 'UTC'],
  ];

  it.each(ok)('%s %s → %s (%s)', (zone, wall, utc) => {
    expect(iso(wall, zone)).toBe(utc);
  });

  const gaps: ReadonlyArray<[zone: string, wall: string]> = [
    ['America/New_York', '2027-03-14T02:30'],
    ['America/New_York', '2027-03-14T02:00'],
    ['America/New_York', '2027-03-14T02:59'],
    ['America/New_York', '2027-03-14T02:59:59.999'],
    ['Europe/Berlin', '2027-03-28T02:30'],
    ['Europe/Berlin', '2027-03-28T02:00'],
    ['Europe/Berlin', '2027-03-28T02:59'],
  ];

  it.each(gaps)('%s %s does not exist → invalid_local_time', (zone, wall) => {
    expect(failure(wall, zone).code).toBe('invalid_local_time');
  });

  it('Australia/Lord_Howe: a 30-minute shift', () => {
    // Skip only if the runtime has no data for the zone (it normally does).
    if (!isValidTimeZone('Australia/Lord_Howe')) return;
    const z = 'Australia/Lord_Howe';
    expect(iso('2027-01-10T10:00', z)).toBe('2027-01-09T23:00:00.000Z'); // LHDT +11
    expect(iso('2027-07-10T10:00', z)).toBe('2027-07-09T23:30:00.000Z'); // LHST +10:30
    // 4 Apr: 01:30–01:59 happens twice; the earlier is LHDT (+11).
    expect(iso('2027-04-04T01:45', z)).toBe('2027-04-03T14:45:00.000Z');
    expect(iso('2027-04-04T02:00', z)).toBe('2027-04-03T15:30:00.000Z'); // LHST, once
    // 3 Oct: 02:00–02:29 does not exist.
    expect(iso('2027-10-03T01:59', z)).toBe('2027-10-02T15:29:00.000Z');
    expect(failure('2027-10-03T02:00', z).code).toBe('invalid_local_time');
    expect(failure('2027-10-03T02:15', z).code).toBe('invalid_local_time');
    expect(failure('2027-10-03T02:29', z).code).toBe('invalid_local_time');
    expect(iso('2027-10-03T02:30', z)).toBe('2027-10-02T15:30:00.000Z');
  });

  it('does not depend on the process time zone', () => {
    // The same wall time in different zones gives different instants, whatever TZ the process has.
    expect(iso('2027-01-10T10:00', 'UTC')).toBe('2027-01-10T10:00:00.000Z');
    expect(iso('2027-01-10T10:00', 'Asia/Kathmandu')).toBe('2027-01-10T04:15:00.000Z'); // +5:45
  });

  it('accepts seconds, a space or lowercase t as separator, and surrounding whitespace', () => {
    expect(iso('2027-01-10T10:00:30', 'Asia/Kolkata')).toBe('2027-01-10T04:30:30.000Z');
    expect(iso('2027-01-10 10:00', 'Asia/Kolkata')).toBe('2027-01-10T04:30:00.000Z');
    expect(iso('2027-01-10t10:00', 'Asia/Kolkata')).toBe('2027-01-10T04:30:00.000Z');
    expect(iso('  2027-01-10T10:00 ', 'Asia/Kolkata')).toBe('2027-01-10T04:30:00.000Z');
  });

  it('a wall time in an unknown zone is rejected', () => {
    expect(failure('2027-01-10T10:00', 'Mars/Olympus_Mons').code).toBe('validation_failed');
  });
});

describe('parseInstant: explicit offsets win over the zone', () => {
  const cases: ReadonlyArray<[input: string, zone: string, utc: string]> = [
    ['2027-01-10T10:00+05:30', 'America/New_York', '2027-01-10T04:30:00.000Z'],
    ['2027-01-10T10:00-02:00', 'Asia/Kolkata', '2027-01-10T12:00:00.000Z'],
    ['2027-01-10T10:00Z', 'Asia/Kolkata', '2027-01-10T10:00:00.000Z'],
    ['2027-01-10T10:00z', 'Asia/Kolkata', '2027-01-10T10:00:00.000Z'],
    ['2027-01-10T10:00+00:00', 'Europe/Berlin', '2027-01-10T10:00:00.000Z'],
    ['2027-01-10T10:00-00:00', 'Europe/Berlin', '2027-01-10T10:00:00.000Z'],
    ['2027-01-10T10:00+23:59', 'UTC', '2027-01-09T10:01:00.000Z'],
    ['2027-01-10T10:00-23:59', 'UTC', '2027-01-11T09:59:00.000Z'],
    ['2027-01-01T01:00+05:30', 'UTC', '2026-12-31T19:30:00.000Z'],
    // A wall time that does not exist in the zone is fine with an offset: the offset decides.
    ['2027-03-14T02:30-05:00', 'America/New_York', '2027-03-14T07:30:00.000Z'],
    ['2027-03-14T02:30Z', 'America/New_York', '2027-03-14T02:30:00.000Z'],
    ['2027-03-28T02:30+01:00', 'Europe/Berlin', '2027-03-28T01:30:00.000Z'],
    // And the later of a repeated wall time can be named with its offset.
    ['2027-11-07T01:30-05:00', 'America/New_York', '2027-11-07T06:30:00.000Z'],
    ['2027-10-31T02:30+01:00', 'Europe/Berlin', '2027-10-31T01:30:00.000Z'],
    // The zone argument is not even consulted.
    ['2027-01-10T10:00+05:30', 'Not/A_Zone', '2027-01-10T04:30:00.000Z'],
  ];
  it.each(cases)('%s (zone %s) → %s', (input, zone, utc) => {
    expect(iso(input, zone)).toBe(utc);
  });

  it('agrees with Temporal on any date-time with an offset, valid or not (the arithmetic fast path)', () => {
    // The reference: the calendar check and the UTC reading done by Temporal itself.
    const reference = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | null => {
      try {
        const wall = Temporal.PlainDateTime.from(
          { year: y, month: mo, day: d, hour: h, minute: mi, second: s, millisecond: ms },
          { overflow: 'reject' },
        );
        return wall.toZonedDateTime('UTC').epochMilliseconds;
      } catch {
        return null;
      }
    };
    const two = (n: number) => String(n).padStart(2, '0');
    fc.assert(
      fc.property(
        // Century years and month ends often: where a hand-made calendar goes wrong.
        fc.oneof(fc.integer({ min: 1970, max: 9999 }), fc.constantFrom(2000, 2023, 2024, 2100, 2400, 2500, 9999)),
        fc.oneof(fc.integer({ min: 0, max: 13 }), fc.constant(2)),
        fc.oneof(fc.integer({ min: 0, max: 32 }), fc.constantFrom(28, 29, 30, 31)),
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 999 }),
        (y, mo, d, h, mi, s, ms) => {
          const input = `${y}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(s)}.${String(ms).padStart(3, '0')}Z`;
          const r = parseInstant(input, 'UTC');
          const want = reference(y, mo, d, h, mi, s, ms);
          if (want === null) expect(r.ok).toBe(false);
          else if (want < Date.UTC(10_000, 0, 1)) expect(r).toEqual({ ok: true, at: want });
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('rejects offsets out of range', () => {
    expect(failure('2027-01-10T10:00+24:00', 'UTC').code).toBe('validation_failed');
    expect(failure('2027-01-10T10:00+05:60', 'UTC').code).toBe('validation_failed');
  });
});

describe('parseInstant: milliseconds', () => {
  it('keeps milliseconds, with or without an offset', () => {
    expect(iso('2027-06-01T12:34:56.789Z', 'UTC')).toBe('2027-06-01T12:34:56.789Z');
    expect(iso('2027-06-01T12:34:56.789+05:30', 'UTC')).toBe('2027-06-01T07:04:56.789Z');
    expect(iso('2027-01-10T10:00:00.250', 'Asia/Kolkata')).toBe('2027-01-10T04:30:00.250Z');
    expect(iso('2027-11-07T01:30:00.001', 'America/New_York')).toBe('2027-11-07T05:30:00.001Z');
  });

  it('reads fractions as decimals and truncates below the millisecond', () => {
    expect(iso('2027-06-01T12:34:56.7Z', 'UTC')).toBe('2027-06-01T12:34:56.700Z');
    expect(iso('2027-06-01T12:34:56.05Z', 'UTC')).toBe('2027-06-01T12:34:56.050Z');
    expect(iso('2027-06-01T12:34:56.123456789Z', 'UTC')).toBe('2027-06-01T12:34:56.123Z');
    expect(iso('2027-06-01T12:34:56.9999Z', 'UTC')).toBe('2027-06-01T12:34:56.999Z');
  });

  it('the exact epoch value, to the millisecond', () => {
    const r = parseInstant('2027-01-10T10:00:00.001Z', 'UTC');
    expect(r).toEqual({ ok: true, at: Date.UTC(2027, 0, 10, 10, 0, 0, 1) });
  });
});

describe('parseInstant: impossible dates and garbage → validation_failed', () => {
  const impossible = [
    '2027-02-30T10:00',
    '2027-13-01T00:00',
    '2027-00-10T00:00',
    '2027-02-29T10:00', // 2027 is not a leap year
    '2100-02-29T10:00', // divisible by 100, not by 400: not a leap year
    '2027-04-31T10:00',
    '2027-01-00T10:00',
    '2027-01-32T10:00',
    '2027-01-10T24:00',
    '2027-01-10T10:60',
    '2027-01-10T10:00:60',
    '2027-02-30T10:00Z',
    '2027-02-29T10:00+05:30',
  ];
  it.each(impossible)('%s', (input) => {
    expect(failure(input, 'Asia/Kolkata').code).toBe('validation_failed');
  });

  it('leap days in leap years are fine', () => {
    expect(iso('2028-02-29T10:00', 'UTC')).toBe('2028-02-29T10:00:00.000Z');
    expect(iso('2000-02-29T10:00', 'UTC')).toBe('2000-02-29T10:00:00.000Z');
  });

  const garbage = [
    '',
    '   ',
    'tomorrow',
    'not a date',
    'NaN',
    '1798761600000',
    '2027-01-10',
    '2027-01-10T10',
    '10:00',
    '2027/01/10T10:00',
    '2027-1-10T10:00',
    '27-01-10T10:00',
    '2027-01-10T10:00:00.',
    '2027-01-10T10:00:00.Z',
    '2027-01-10T10:00:00.1234567890Z',
    '2027-01-10T10:00+5:30',
    '2027-01-10T10:00+0530',
    '2027-01-10T10:00Zjunk',
    '2027-01-10T10:00 Asia/Kolkata',
    '2027-01-10T10:00[Asia/Kolkata]',
    'Sun, 10 Jan 2027 10:00:00 GMT',
    '+002027-01-10T10:00Z',
    '1969-12-31T23:59Z',
  ];
  it.each(garbage)('%j', (input) => {
    expect(failure(input, 'UTC').code).toBe('validation_failed');
  });

  it('rejects arbitrary strings that are not date-times', () => {
    const shape = /^\s*\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/;
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }).filter((s) => !shape.test(s)),
        (s) => {
          const r = parseInstant(s, 'UTC');
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.code).toBe('validation_failed');
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('parseInstant: the supported range is 1970–9999, for the resulting instant too', () => {
  it('accepts the extremes', () => {
    expect(iso('1970-01-01T00:00Z', 'UTC')).toBe('1970-01-01T00:00:00.000Z');
    expect(iso('9999-12-31T23:59:59.999Z', 'UTC')).toBe('9999-12-31T23:59:59.999Z');
    expect(iso('1970-01-01T00:00-05:00', 'UTC')).toBe('1970-01-01T05:00:00.000Z');
    expect(iso('9999-12-31T23:59+05:30', 'UTC')).toBe('9999-12-31T18:29:00.000Z');
    expect(iso('1970-01-01T00:00', 'America/New_York')).toBe('1970-01-01T05:00:00.000Z');
  });

  it.each([
    ['1969-12-31T23:59:59.999Z', 'UTC'],
    ['1970-01-01T00:00+05:30', 'UTC'], // 1969-12-31T18:30Z
    ['1970-01-01T03:00', 'Asia/Kolkata'], // 1969-12-31T21:30Z
    ['9999-12-31T23:59-05:00', 'UTC'], // 10000-01-01T04:59Z: formatInstant could not write it as RFC 3339
    ['9999-12-31T23:00', 'America/New_York'], // 10000-01-01T04:00Z
  ])('rejects %s in %s (outside once in UTC)', (input, zone) => {
    expect(failure(input, zone).code).toBe('validation_failed');
  });

  it('whatever it accepts, formatInstant writes as RFC 3339 and parseInstant reads back', () => {
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    const arbInput = fc
      .record({
        year: fc.oneof(fc.constantFrom(1970, 9999), fc.integer({ min: 1970, max: 9999 })),
        month: fc.oneof(fc.constantFrom(1, 12), fc.integer({ min: 1, max: 12 })),
        day: fc.oneof(fc.constantFrom(1, 31), fc.integer({ min: 1, max: 28 })),
        hour: fc.integer({ min: 0, max: 23 }),
        minute: fc.integer({ min: 0, max: 59 }),
        offset: fc.oneof(
          fc.constant(''),
          fc.constant('Z'),
          fc
            .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
            .map(([sign, h, m]) => `${sign}${pad(h)}:${pad(m)}`),
        ),
        zone: fc.constantFrom('UTC', 'Asia/Kolkata', 'America/New_York', 'Pacific/Kiritimati', 'Pacific/Pago_Pago'),
      })
      .map(
        ({ year, month, day, hour, minute, offset, zone }) =>
          [`${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}${offset}`, zone] as const,
      );
    fc.assert(
      fc.property(arbInput, ([input, zone]) => {
        const r = parseInstant(input, zone);
        if (!r.ok) return;
        const s = formatInstant(r.at);
        expect(s).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        expect(parseInstant(s, 'UTC')).toEqual({ ok: true, at: r.at });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('toWallTime', () => {
  it('prints the wall time of an instant in a zone, to the minute', () => {
    expect(toWallTime(Date.UTC(2027, 0, 10, 4, 30), 'Asia/Kolkata')).toBe('2027-01-10T10:00');
    expect(toWallTime(Date.UTC(2027, 10, 7, 5, 30), 'America/New_York')).toBe('2027-11-07T01:30'); // EDT
    expect(toWallTime(Date.UTC(2027, 10, 7, 6, 30), 'America/New_York')).toBe('2027-11-07T01:30'); // EST
    expect(toWallTime(Date.UTC(2027, 2, 14, 7, 0), 'America/New_York')).toBe('2027-03-14T03:00');
    expect(toWallTime(Date.UTC(2027, 9, 31, 0, 30), 'Europe/Berlin')).toBe('2027-10-31T02:30');
  });
});

describe('formatInstant', () => {
  it('UTC RFC 3339 with milliseconds and Z', () => {
    expect(formatInstant(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(formatInstant(1)).toBe('1970-01-01T00:00:00.001Z');
    expect(formatInstant(Date.UTC(2026, 11, 1, 4, 30))).toBe('2026-12-01T04:30:00.000Z');
    expect(formatInstant(Date.UTC(2027, 5, 1, 12, 34, 56, 789))).toBe('2027-06-01T12:34:56.789Z');
    expect(formatInstant(Date.UTC(2028, 1, 29, 23, 59, 59, 999))).toBe('2028-02-29T23:59:59.999Z');
  });

  const arbInstant = fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) });

  it('equals Date#toISOString over the whole supported range', () => {
    fc.assert(
      fc.property(arbInstant, (t) => {
        const s = formatInstant(t);
        expect(s).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        expect(s).toBe(new Date(t).toISOString());
      }),
      { numRuns: 1000 },
    );
  });

  it('parseInstant reads back what formatInstant writes, whatever the zone', () => {
    const zones = ['UTC', 'Asia/Kolkata', 'America/New_York', 'Europe/Berlin', 'Asia/Kathmandu'];
    fc.assert(
      fc.property(arbInstant, fc.constantFrom(...zones), (t, zone) => {
        expect(parseInstant(formatInstant(t), zone)).toEqual({ ok: true, at: t });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseInstant: wall times round-trip through the zone (property)', () => {
  /** The wall time of t in zone, to the minute, from Intl (independent of the code under test). */
  const formats = new Map<string, Intl.DateTimeFormat>();
  function wallOf(t: number, zone: string): string {
    let format = formats.get(zone);
    if (format === undefined) {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      });
      formats.set(zone, format);
    }
    const parts = format.formatToParts(t);
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '??';
    return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
  }

  it('the wall time of an instant parses back to it, or to the earlier of a repeated time', () => {
    const zones = ['America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe'].filter(isValidTimeZone);
    const minute = 60_000;
    // Minutes from 2026 to 2029, biased to the hours around the 2027 clock changes.
    const changes = [
      Date.UTC(2027, 2, 14, 7),
      Date.UTC(2027, 10, 7, 6),
      Date.UTC(2027, 2, 28, 1),
      Date.UTC(2027, 9, 31, 1),
      Date.UTC(2027, 3, 3, 15),
      Date.UTC(2027, 9, 2, 15, 30),
    ];
    const arbMinute = fc.oneof(
      fc.integer({ min: Date.UTC(2026, 0, 1) / minute, max: Date.UTC(2029, 0, 1) / minute }).map((m) => m * minute),
      fc.tuple(fc.constantFrom(...changes), fc.integer({ min: -120, max: 120 })).map(([c, d]) => c + d * minute),
    );
    fc.assert(
      fc.property(arbMinute, fc.constantFrom(...zones), (t, zone) => {
        const r = parseInstant(wallOf(t, zone), zone);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        // The earlier instant of a repeated wall time is at most the size of the shift (≤ 1 h) before t.
        expect(r.at).toBeLessThanOrEqual(t);
        expect(t - r.at === 0 || t - r.at === 30 * minute || t - r.at === 60 * minute).toBe(true);
        // Same wall time: when it is not t itself, t was the later occurrence of a repeated time.
        expect(wallOf(r.at, zone)).toBe(wallOf(t, zone));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('isValidTimeZone', () => {
  it.each(['UTC', 'Asia/Kolkata', 'America/New_York', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'])(
    '%s is a zone',
    (z) => {
      expect(isValidTimeZone(z)).toBe(true);
    },
  );
  it.each(['', 'Mars/Olympus_Mons', '+05:30', 'GMT+05:30', 'Asia/Kolkata ', '../etc/passwd', 'Asia//Kolkata', 'x'.repeat(65)])(
    '%j is not a zone',
    (z) => {
      expect(isValidTimeZone(z)).toBe(false);
    },
  );
});
