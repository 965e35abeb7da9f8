/**
 * The values the fuzz draws from (support/fuzz-requests.ts assembles them into requests): dates far
 * in the past or future (nothing fires while the fuzz runs, so a rejected request must leave the
 * database byte-equal), hostile strings and JSON values, a plausible body per route, and raw
 * bodies that are not what they claim.
 */
import fc from 'fast-check';

export const PAST = ['2020-03-01T10:00:00Z', '2021-06-15T08:30', '1999-12-31T23:59:59.999Z'];
export const FUTURE = [
  '2031-06-01T10:00:00Z',
  '2031-06-01T12:00',
  '2032-01-01T00:00:00+05:45',
  '2033-03-27T02:30',
  '2031-10-26T01:30',
];
const BAD_DATES = [
  '2031-02-30T10:00',
  '31-06-01',
  'now',
  '',
  '2031-06-01T25:00',
  '+275760-09-13T00:00:00Z',
  '9999-12-31T23:59:59.999-23:59',
];
const ZONES = [
  'UTC',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Europe/London',
  'Australia/Lord_Howe',
  'Mars/Olympus',
  'utc',
  '',
  '../../etc/passwd',
];

/** Strings a field should survive: unicode of every kind, controls, bidi, surrogates, huge, injection. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom(
    '\u200b',
    '\u202egnp.exe',
    '\ud800',
    'a\u0000b',
    "'; drop table events; --",
    '<script>alert(1)</script>',
    '=cmd|"/c calc"!A0',
    '%s%n%x',
    '../../../../etc/passwd',
    '__proto__',
    'constructor',
    '$'.concat('{jndi:ldap://x}'),
    '🎉'.repeat(300),
  ),
  fc.integer({ min: 0, max: 120_000 }).map((n) => 'x'.repeat(n)),
);

/** Any JSON value, with the wrong types a field could get. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, [], {}, [null], { $gt: '' }) },
);

/** encodeURIComponent, with each unpaired surrogate sent as the invalid UTF-8 it would be (CESU-8 bytes). */
export const enc = (s: string): string =>
  s
    .split(/(\p{Cs})/u)
    .map((part, i) => (i % 2 ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('');

export const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);
const date = fc.oneof(pick(PAST), pick(FUTURE), pick(BAD_DATES));
const email = fc.oneof(
  fc.constantFrom('admin@example.test', 'fuzz-org@example.test', 'someone@example.org', 'not-an-email', ''),
  fc.string({ maxLength: 20 }).map((s) => `${s}@example.test`),
  fc.stringMatching(/^[a-z0-9]{1,12}$/).map((s) => `${s}@example.test`),
);

/** Coherent dates (far past or far future, so nothing fires during the run): answers of 201 and 200 happen. */
const VALID_EVENT = fc
  .record({
    title: fc.constantFrom('Fuzzed event', 'Évènement 🎉', 'مؤتمر'),
    timezone: fc.constantFrom('UTC', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/Santiago'),
    dates: fc.constantFrom(
      { startsAt: '2031-06-01T10:00', endsAt: '2031-06-01T12:00' },
      {
        registrationOpensAt: '2031-05-01T00:00:00Z',
        registrationClosesAt: '2031-05-31T00:00:00Z',
        startsAt: '2031-06-01T10:00:00Z',
        endsAt: '2031-06-02T10:00:00Z',
      },
      {
        startsAt: '2020-01-01T10:00:00Z',
        endsAt: '2020-01-01T12:00:00Z',
        certificatesOpenAt: '2020-01-02T00:00:00Z',
        certificatesCloseAt: '2020-02-01T00:00:00Z',
      },
      { startsAt: '2021-03-01T10:00:00+05:45', endsAt: '2021-03-01T11:00:00+05:45' },
    ),
    draft: fc.boolean(),
    capacity: fc.constantFrom(null, 1, 100),
  })
  .map(({ dates, ...rest }) => ({ ...rest, ...dates }));

/** A plausible body per route, each field from a pool (valid often enough for 2xx answers to happen). */
export const TEMPLATES = {
  login: fc.record({ email, password: fc.oneof(fc.constant('admin-password-for-tests'), hostileString) }),
  user: fc.record({
    email,
    name: fc.oneof(fc.constant('Fuzz User'), hostileString),
    role: fc.constantFrom('admin', 'organizer', 'root'),
    password: fc.constantFrom('a-long-enough-password', 'short'),
  }),
  event: fc.oneof(
    { weight: 3, arbitrary: VALID_EVENT as fc.Arbitrary<Record<string, unknown>> },
    fc.record(
      {
        title: fc.oneof(fc.constant('Fuzzed event'), hostileString),
        description: fc.oneof(fc.constant('About'), hostileString, fc.constant(null)),
        venue: fc.oneof(fc.constant('Hall'), hostileString),
        timezone: pick(ZONES),
        capacity: fc.oneof(fc.constant(null), fc.integer({ min: -2, max: 2_000_000 })),
        registrationOpensAt: date,
        registrationClosesAt: date,
        startsAt: date,
        endsAt: date,
        certificatesOpenAt: date,
        certificatesCloseAt: date,
        draft: fc.boolean(),
        version: fc.integer({ min: -1, max: 5 }),
      },
      { requiredKeys: ['title', 'startsAt', 'endsAt'] },
    ),
  ),
  reason: fc.record({ reason: fc.oneof(fc.constant('Because'), hostileString) }, { requiredKeys: [] }),
  registration: fc.record({ name: fc.oneof(fc.constant('Ada'), hostileString), email }),
  checkin: fc.record({ registrationId: fc.string({ maxLength: 30 }) }),
} as const;

const FIELDS = [
  'title',
  'description',
  'venue',
  'timezone',
  'capacity',
  'startsAt',
  'endsAt',
  'registrationOpensAt',
  'draft',
  'version',
  'name',
  'email',
  'password',
  'role',
  'reason',
  'registrationId',
  'x',
];

/** Keys that pollute prototypes when a server merges objects naively; written raw (a JS literal would not keep them). */
const POLLUTERS = [
  '"__proto__":{"role":"admin","isAdmin":true}',
  '"constructor":{"prototype":{"isAdmin":true}}',
  '"prototype":{}',
  '"__proto__":null',
];

export function bodyOf(template: keyof typeof TEMPLATES | null): fc.Arbitrary<string | undefined> {
  const base = template ? (TEMPLATES[template] as fc.Arbitrary<Record<string, unknown>>) : fc.constant({});
  const raw = fc.oneof(
    fc.constantFrom('', '{', '{"a":', 'null', '[]', '"str"', '123', 'true', '{"a":1,"a":2}', 'NaN', '\u0000', '\ufeff{}'),
    fc.integer({ min: 1, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
    fc.integer({ min: 1, max: 5_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
    fc.integer({ min: 90_000, max: 200_000 }).map((n) => JSON.stringify({ title: 'x'.repeat(n) })),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );
  return fc.oneof(
    { weight: template ? 8 : 1, arbitrary: base.map((b) => JSON.stringify(b)) },
    {
      weight: 4,
      arbitrary: fc.tuple(base, pick(FIELDS), hostileValue).map(([b, k, v]) => JSON.stringify({ ...b, [k]: v })),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(base, pick(POLLUTERS)).map(([b, p]) => {
        const json = JSON.stringify(b);
        return json === '{}' ? `{${p}}` : `{${p},${json.slice(1)}`;
      }),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: raw },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}
