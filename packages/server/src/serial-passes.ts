/**
 * Passes over the database that never overlap. The trigger loop and the outbox runner are both
 * woken by every commit that concerns them (and other instances' commits): `wake()` starts a
 * pass, a wake during a pass asks for exactly one more after it however many came, and a pass
 * that throws is handed to `failed` (which re-arms a retry) instead of escaping.
 */
export class SerialPasses {
  private dirty = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly failed: (error: unknown) => void,
    private readonly active: () => boolean,
  ) {}

  /** True while a pass runs. */
  get busy(): boolean {
    return this.loop !== null;
  }

  wake(): void {
    if (!this.active()) return;
    this.dirty = true;
    if (this.loop) return;
    this.loop = (async () => {
      while (this.dirty && this.active()) {
        this.dirty = false;
        await this.pass();
      }
    })()
      .catch(this.failed)
      .finally(() => {
        this.loop = null;
      });
  }

  /** Resolves once no pass runs (at once when none does). */
  async settled(): Promise<void> {
    while (this.loop) await this.loop;
  }
}
