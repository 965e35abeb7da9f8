/**
 * Attempts per key in a sliding window (SPEC §6 login limits, §11 registration limit): `max`
 * attempts per `windowMs`, then `retryAfter` answers the seconds until the oldest one leaves
 * the window. In memory: a restart forgets, which only helps legitimate users; in cluster mode
 * each instance counts on its own, so N instances behind a load balancer allow up to N times `max`.
 *
 * An attempt is counted before the slow or racing work it guards (a password check, a
 * registration transaction) and forgiven when it turns out not to count: requests sent all at
 * once can never all pass while their work is still running.
 *
 * Memory is bounded by `maxKeys`. A flood of fresh keys must not buy a locked key its freedom:
 * when full, the oldest key that is not at its limit is forgotten; a locked key stays until its
 * window passes (an attacker pays `max` attempts per key it locks).
 */
export class SlidingWindow {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly maxKeys = 50_000,
  ) {}

  private recent(key: string, now: number): number[] {
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.hits.delete(key);
    else this.hits.set(key, list);
    return list;
  }

  /** Seconds until another attempt is allowed, or 0 when it is allowed now. */
  retryAfter(key: string, now: number): number {
    const list = this.recent(key, now);
    if (list.length < this.max) return 0;
    const oldest = list[list.length - this.max] as number;
    return Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
  }

  /** Count one attempt at `now`. */
  hit(key: string, now: number): void {
    const list = this.recent(key, now);
    list.push(now);
    this.hits.delete(key); // re-inserted last: the map's order is least recently hit first
    this.hits.set(key, list);
    if (this.hits.size > this.maxKeys) this.evict(now);
  }

  /** Take back the attempt counted at `at` (it did not count after all). */
  forgive(key: string, at: number): void {
    const list = this.hits.get(key);
    const i = list?.lastIndexOf(at) ?? -1;
    if (!list || i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.hits.delete(key);
  }

  /** Forget every attempt of `key` (a successful login clears its failures). */
  clear(key: string): void {
    this.hits.delete(key);
  }

  private evict(now: number): void {
    for (const [key, list] of this.hits) {
      if (list.filter((t) => t > now - this.windowMs).length < this.max) {
        this.hits.delete(key);
        return;
      }
    }
    // Every key is locked: the map may exceed maxKeys until windows pass (each cost `max` attempts).
  }
}
