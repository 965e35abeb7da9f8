/** Seeded choices over the bench's PRNG, so a failing torture run can be replayed with its seed. */
import { prng } from '../../../../bench/seed.ts';

export class Rng {
  readonly float: () => number;

  constructor(readonly seed: number) {
    this.float = prng(seed);
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T | undefined {
    return items.length ? items[Math.floor(this.float() * items.length)] : undefined;
  }
}
