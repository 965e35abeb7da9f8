/** The one source of "now" on the server; tests and benchmarks may hand in their own. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
