/**
 * An independent reference for zone arithmetic, built on `Intl.DateTimeFormat` alone (not the
 * Temporal code under test): a zone's UTC offset at an instant, every offset transition in a
 * range (a day-by-day scan, then bisection to the second), and the SPEC's reading of a wall time
 * (skipped → none, repeated → the earlier instant) from the offsets on either side.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall clock in `zone` at `t`, as if it were UTC epoch ms (whole seconds). */
export function wallMs(zone: string, t: number): number {
  const p: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
}

/** The zone's UTC offset at `t`, in ms. */
export const offsetAt = (zone: string, t: number): number => wallMs(zone, t) - Math.floor(t / 1000) * 1000;

export interface Transition {
  zone: string;
  /** The first instant (ms, whole second) with the new offset. */
  at: number;
  before: number;
  after: number;
}

/**
 * The scan step. Offsets are compared every 4 days and bisected where they differ; two changes
 * less than 4 days apart would hide each other, so the suite cross-checks the list against
 * Temporal's own transitions (a day-by-day scan took 0.5 s a zone; this, a quarter of it).
 */
const STEP = 4 * 86_400_000;

/** Every offset change in `zone` in [from, to). */
export function transitions(zone: string, from: number, to: number): Transition[] {
  const out: Transition[] = [];
  let t = from;
  let off = offsetAt(zone, t);
  while (t < to) {
    const next = Math.min(t + STEP, to);
    const offNext = offsetAt(zone, next);
    if (offNext !== off) {
      // Bisect to the second: offset(lo) = off, offset(hi) ≠ off.
      let lo = t / 1000;
      let hi = next / 1000;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(zone, mid * 1000) === off) lo = mid;
        else hi = mid;
      }
      out.push({ zone, at: hi * 1000, before: off, after: offsetAt(zone, hi * 1000) });
    }
    t = next;
    off = offNext;
  }
  return out;
}

/** Wall time (epoch ms read as UTC) → the SPEC's instant: the earlier of the instants showing it, null when none does. */
export function referenceInstant(zone: string, wall: number, around: Transition): number | null {
  const shows = (t: number) => wallMs(zone, t) + (t % 1000) === wall;
  const candidates = [wall - around.before, wall - around.after].filter(shows);
  return candidates.length ? Math.min(...candidates) : null;
}

/** `2027-03-14T02:30:00.000` for a wall time held as UTC epoch ms: what a user types, without offset. */
export const wallString = (wall: number): string => new Date(wall).toISOString().slice(0, 23);
