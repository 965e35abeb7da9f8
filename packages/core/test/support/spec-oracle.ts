/**
 * The one oracle of SPEC §4, written straight from the spec's table, row by row. It imports
 * nothing of @kairos/core, so a bug in the shared lifecycle function cannot hide itself: the core
 * property tests compare lifecycleAt with it, the server's timing suites predict transitions with it.
 */

/** An event's dates in epoch ms; an absent date is null (core's records) or left out (test bodies). */
export interface SpecDates {
  registrationOpensAt?: number | null | undefined;
  registrationClosesAt?: number | null | undefined;
  startsAt: number;
  endsAt: number;
  certificatesOpenAt?: number | null | undefined;
  certificatesCloseAt?: number | null | undefined;
}

export interface SpecState {
  status: 'upcoming' | 'ongoing' | 'completed';
  phase:
    | 'scheduled'
    | 'registration_not_started'
    | 'registration_open'
    | 'registration_closed'
    | 'in_progress'
    | 'certificates_available'
    | 'ended';
}

const has = (x: number | null | undefined): x is number => x !== null && x !== undefined;

interface Row {
  when: (e: SpecDates, t: number) => boolean;
  status: SpecState['status'];
  phase: SpecState['phase'];
}

/** Every row but the last states its whole condition; the last is the table's "otherwise". */
const TABLE: readonly Row[] = [
  {
    // no registration window and t < startsAt
    when: (e, t) => !(has(e.registrationOpensAt) && has(e.registrationClosesAt)) && t < e.startsAt,
    status: 'upcoming',
    phase: 'scheduled',
  },
  {
    // t < registrationOpensAt
    when: (e, t) => has(e.registrationOpensAt) && has(e.registrationClosesAt) && t < e.registrationOpensAt,
    status: 'upcoming',
    phase: 'registration_not_started',
  },
  {
    // registrationOpensAt ≤ t < registrationClosesAt
    when: (e, t) =>
      has(e.registrationOpensAt) && has(e.registrationClosesAt) && e.registrationOpensAt <= t && t < e.registrationClosesAt,
    status: 'upcoming',
    phase: 'registration_open',
  },
  {
    // registrationClosesAt ≤ t < startsAt
    when: (e, t) => has(e.registrationOpensAt) && has(e.registrationClosesAt) && e.registrationClosesAt <= t && t < e.startsAt,
    status: 'upcoming',
    phase: 'registration_closed',
  },
  {
    // startsAt ≤ t < endsAt
    when: (e, t) => e.startsAt <= t && t < e.endsAt,
    status: 'ongoing',
    phase: 'in_progress',
  },
  {
    // endsAt ≤ t, certificatesOpenAt ≤ t < certificatesCloseAt
    when: (e, t) =>
      e.endsAt <= t &&
      has(e.certificatesOpenAt) &&
      has(e.certificatesCloseAt) &&
      e.certificatesOpenAt <= t &&
      t < e.certificatesCloseAt,
    status: 'completed',
    phase: 'certificates_available',
  },
  {
    // endsAt ≤ t otherwise
    when: (e, t) => e.endsAt <= t,
    status: 'completed',
    phase: 'ended',
  },
];

/** SPEC §4's state at `t` of an approved, non-cancelled event; also asserts the table's rows are exclusive for valid events. */
export function specState(e: SpecDates, t: number): SpecState {
  const specific = TABLE.slice(0, -1).filter((row) => row.when(e, t));
  if (specific.length > 1) throw new Error(`oracle: rows overlap at ${t}: ${specific.map((r) => r.phase).join(', ')}`);
  const row = specific[0] ?? TABLE.find((r) => r.when(e, t));
  if (row === undefined) throw new Error(`oracle: no row matches at ${t}`);
  return { status: row.status, phase: row.phase };
}

/** Every instant at which some date of the event lies, distinct and ascending (read from the fields). */
export function instantsOf(e: SpecDates): number[] {
  const all = [
    e.registrationOpensAt,
    e.registrationClosesAt,
    e.startsAt,
    e.endsAt,
    e.certificatesOpenAt,
    e.certificatesCloseAt,
  ].filter(has);
  return [...new Set(all)].sort((a, b) => a - b);
}

/** The oracle's next transition: the first date after t at which the oracle's state differs. */
export function specNext(e: SpecDates, t: number): (SpecState & { at: number }) | null {
  const now = specState(e, t);
  for (const at of instantsOf(e)) {
    if (at <= t) continue;
    const s = specState(e, at);
    if (s.status !== now.status || s.phase !== now.phase) return { at, ...s };
  }
  return null;
}

/** Field → trigger, written out from SPEC §4 "Triggers", in SPEC order. */
export const SPEC_TRIGGERS = [
  ['registrationOpensAt', 'registration_open'],
  ['registrationClosesAt', 'registration_close'],
  ['startsAt', 'event_start'],
  ['endsAt', 'event_end'],
  ['certificatesOpenAt', 'certificates_open'],
  ['certificatesCloseAt', 'certificates_close'],
] as const satisfies ReadonlyArray<readonly [keyof SpecDates, string]>;
