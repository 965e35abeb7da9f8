/**
 * Time zones under every DST rule family (issue 10), for every offset change from 1970 to 2037,
 * against an independent reference built on Intl.DateTimeFormat (support/intl-zones.ts):
 * - a wall time inside a gap is `invalid_local_time`; one inside an overlap is the earlier
 *   instant; one on either side of the change is the one instant showing it;
 * - instant → wall time (minute) → instant round-trips (to the earlier instant in an overlap);
 * - an event whose dates are wall times around the change gets the reference's instants (or the
 *   reference's order error), and lifecycleAt at each boundary and 1 ms either side agrees with
 *   the SPEC oracle.
 * The reference and Temporal (which core uses) also agree on the list of transitions itself.
 */
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { KairosError, lifecycleAt, parseInstant, resolveEventFields, toWallTime } from '../src/index.ts';
import { offsetAt, referenceInstant, type Transition, transitions, wallMs, wallString } from './support/intl-zones.ts';
import { specState } from './support/spec-oracle.ts';

/** Every rule family: north and south, half and quarter hours, a 30-minute DST, skipped days, rule changes, negative DST. */
const ZONES = [
  'Europe/London',
  'America/New_York',
  'Australia/Sydney',
  'America/Santiago',
  'Asia/Kolkata',
  'Australia/Adelaide',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'Australia/Lord_Howe',
  'Pacific/Apia',
  'Pacific/Kiritimati',
  'Pacific/Kwajalein',
  'Africa/Casablanca',
  'Asia/Tehran',
  'Europe/Moscow',
  'America/Sao_Paulo',
  'Asia/Gaza',
  'Antarctica/Troll',
  'America/St_Johns',
  'Europe/Dublin',
  'America/Havana',
  'Pacific/Auckland',
  'America/Caracas',
  'Asia/Pyongyang',
  'Africa/Cairo',
] as const;

const FROM = Date.UTC(1970, 0, 1);
const TO = Date.UTC(2038, 0, 1);
const MIN = 60_000;

const all: Transition[] = ZONES.flatMap((zone) => transitions(zone, FROM, TO));
const byZone = (zone: string) => all.filter((t) => t.zone === zone);

/** Temporal's transitions of `zone` in the range, as the reference writes them. */
function temporalTransitions(zone: string): number[] {
  const out: number[] = [];
  let at = Temporal.Instant.fromEpochMilliseconds(FROM).toZonedDateTimeISO(zone);
  for (;;) {
    const next = at.getTimeZoneTransition('next');
    if (!next || next.epochMilliseconds >= TO) return out;
    out.push(next.epochMilliseconds);
    at = next;
  }
}

const show = (t: Transition) => `${t.zone} ${new Date(t.at).toISOString()} ${t.before / MIN}→${t.after / MIN} min`;

describe('the reference', () => {
  it('finds what Temporal finds, in every zone, and each family is really there', () => {
    for (const zone of ZONES) {
      // Temporal also reports changes of abbreviation alone; only offset changes matter here.
      const offsetChanges = temporalTransitions(zone).filter((at) => offsetAt(zone, at - 1000) !== offsetAt(zone, at));
      expect(
        byZone(zone).map((t) => t.at),
        zone,
      ).toEqual(offsetChanges);
    }
    expect(all.length).toBeGreaterThan(1000);
    const has = (zone: string, f: (t: Transition) => boolean) => expect(byZone(zone).some(f), zone).toBe(true);
    has('Australia/Lord_Howe', (t) => Math.abs(t.after - t.before) === 30 * MIN);
    has('Pacific/Apia', (t) => t.after - t.before === 24 * 60 * MIN); // 30 Dec 2011 never happened
    has('Pacific/Kiritimati', (t) => t.after - t.before === 24 * 60 * MIN); // 31 Dec 1994 never happened
    has('Pacific/Chatham', (t) => t.before % (60 * MIN) === 45 * MIN);
    has('Antarctica/Troll', (t) => t.after - t.before === 2 * 60 * MIN);
    has('Europe/Dublin', (t) => t.at > Date.UTC(2000, 0, 1));
    has('Africa/Casablanca', (t) => t.at > Date.UTC(2019, 0, 1)); // the Ramadan changes
    has('America/Sao_Paulo', (t) => t.after > t.before && new Date(t.at).getUTCMonth() >= 9);
  });
});

describe('every transition 1970–2037', () => {
  it('gap: every skipped wall time is invalid_local_time; the walls on either side are the instants at the change', () => {
    let gaps = 0;
    for (const t of all.filter((x) => x.after > x.before)) {
      gaps++;
      const first = t.at + t.before; // the first skipped wall time
      const width = t.after - t.before;
      for (const into of [0, MIN, width / 2, width - MIN]) {
        const r = parseInstant(wallString(first + into), t.zone);
        expect(r.ok ? `${show(t)}: ${wallString(first + into)} accepted` : r.code).toBe('invalid_local_time');
      }
      expect(parseInstant(wallString(first - MIN), t.zone), show(t)).toEqual({ ok: true, at: t.at - MIN });
      expect(parseInstant(wallString(first + width), t.zone), show(t)).toEqual({ ok: true, at: t.at });
    }
    expect(gaps).toBeGreaterThan(500);
  });

  it('overlap: every repeated wall time is the earlier instant; the first wall after it is unique', () => {
    let overlaps = 0;
    for (const t of all.filter((x) => x.after < x.before)) {
      overlaps++;
      const first = t.at + t.after; // the first repeated wall time
      const width = t.before - t.after;
      for (const into of [0, MIN, width / 2, width - MIN]) {
        const wall = first + into;
        const expected = referenceInstant(t.zone, wall, t);
        expect(expected).toBe(wall - t.before);
        expect(parseInstant(wallString(wall), t.zone), show(t)).toEqual({ ok: true, at: expected });
      }
      expect(parseInstant(wallString(first + width), t.zone), show(t)).toEqual({ ok: true, at: t.at + width });
    }
    expect(overlaps).toBeGreaterThan(500);
  });

  it('instant → wall time → instant round-trips at and around every change (to the earlier one in an overlap)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.integer({ min: -180, max: 180 }), (t, minutes) => {
        const at = t.at + minutes * MIN;
        const wall = toWallTime(at, t.zone);
        expect(`${wall}:00.000`).toBe(wallString(wallMs(t.zone, at)));
        const back = parseInstant(wall, t.zone);
        expect(back).toEqual({ ok: true, at: referenceInstant(t.zone, wallMs(t.zone, at), t) });
        if (back.ok) expect(back.at === at || (t.after < t.before && back.at === at - (t.before - t.after))).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('an event with its dates as wall times around a change: the reference instants, the oracle’s state at every boundary', () => {
    const FIELDS = ['registrationOpensAt', 'registrationClosesAt', 'startsAt', 'endsAt'] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...all),
        fc.array(fc.integer({ min: -90, max: 90 }), { minLength: 4, maxLength: 4 }).map((xs) => xs.sort((a, b) => a - b)),
        (t, minutes) => {
          // Wall times that exist (read off real instants), so only the overlap rule and the order can bite.
          const walls = minutes.map((m) => wallMs(t.zone, t.at + m * MIN));
          const input = Object.fromEntries(FIELDS.map((f, i) => [f, wallString(walls[i] as number)]));
          const expected = walls.map((w) => referenceInstant(t.zone, w, t) as number);
          const ordered = expected.every(
            (x, i) => i === 0 || (i === 2 ? x >= (expected[1] as number) : x > (expected[i - 1] as number)),
          );
          let fields: ReturnType<typeof resolveEventFields>;
          try {
            fields = resolveEventFields({ title: 'Zone', timezone: t.zone, ...input } as never, null, 'UTC');
          } catch (e) {
            expect(e).toBeInstanceOf(KairosError);
            expect(ordered, `${show(t)} rejected: ${(e as Error).message}`).toBe(false);
            return;
          }
          expect(ordered, show(t)).toBe(true);
          expect(FIELDS.map((f) => fields[f])).toEqual(expected);
          for (const b of expected) {
            for (const probe of [b - 1, b, b + 1]) expect(lifecycleAt(fields, probe)).toEqual(specState(fields, probe));
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('a date in a gap names its field with invalid_local_time, in an event as in parsing', () => {
    for (const t of all.filter((x) => x.after > x.before).slice(0, 200)) {
      const gapWall = wallString(t.at + t.before + (t.after - t.before) / 2);
      try {
        resolveEventFields({ title: 'Gap', timezone: t.zone, startsAt: gapWall, endsAt: '2099-01-01T00:00' }, null, 'UTC');
        throw new Error(`${show(t)}: ${gapWall} accepted`);
      } catch (e) {
        expect((e as KairosError).code, show(t)).toBe('invalid_local_time');
        expect((e as KairosError).details?.map((d) => d.path)).toEqual(['startsAt']);
      }
    }
  });
});
