/** Percentiles and summaries of measured samples (milliseconds unless named otherwise). */

export function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function pct(asc: readonly number[], p: number): number {
  if (asc.length === 0) return Number.NaN;
  return asc[Math.min(asc.length - 1, Math.max(0, Math.ceil(p * asc.length) - 1))] ?? Number.NaN;
}

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  min: number;
}

export function summarise(xs: readonly number[]): Summary {
  const s = sorted(xs);
  return { count: s.length, p50: pct(s, 0.5), p99: pct(s, 0.99), max: s.at(-1) ?? Number.NaN, min: s[0] ?? Number.NaN };
}

/**
 * 101 points: the value below which 0 %, 1 %, … 100 % of the samples lie (a CDF, compactly).
 * `missing` samples never happened: they count in the total and their points are null.
 */
export function quantiles(xs: readonly number[], missing = 0): Array<number | null> {
  const s = [...sorted(xs), ...Array<number>(missing).fill(Number.POSITIVE_INFINITY)];
  if (s.length === 0) return [];
  return Array.from({ length: 101 }, (_, i) => {
    const v = i === 0 ? (s[0] ?? 0) : pct(s, i / 100);
    return Number.isFinite(v) ? round(v, 2) : null;
  });
}

export const round = (x: number, digits = 1): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);
