/**
 * Records a scheduler's typed events so tests await them instead of sleeping or reading logs
 * (model: graphile-worker's EventMonitor).
 */
import type { SchedulerEventMap, SchedulerEvents } from '../../src/scheduler/events.ts';

type Name = keyof SchedulerEventMap;
export type Recorded = { [K in Name]: { name: K; event: SchedulerEventMap[K] } }[Name];

export class SchedulerMonitor {
  readonly seen: Recorded[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly off: Array<() => void>;

  constructor(events: SchedulerEvents) {
    const names: Name[] = ['batch:fired', 'armed', 'idle', 'recovered', 'error'];
    this.off = names.map((name) =>
      events.on(name, (event: SchedulerEventMap[typeof name]) => {
        this.seen.push({ name, event } as Recorded);
        for (const w of this.waiters) w();
      }),
    );
  }

  all<K extends Name>(name: K): Array<SchedulerEventMap[K]> {
    return this.seen.filter((r) => r.name === name).map((r) => r.event as SchedulerEventMap[K]);
  }

  /** Resolves with the first recorded `name` event (past or future) that `pick` accepts. */
  waitFor<K extends Name>(name: K, pick: (e: SchedulerEventMap[K]) => boolean = () => true, timeoutMs = 10_000) {
    return new Promise<SchedulerEventMap[K]>((resolve, reject) => {
      const check = () => {
        const hit = this.all(name).find(pick);
        if (hit === undefined) return false;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no ${name} event within ${timeoutMs} ms; saw ${this.seen.map((r) => r.name).join(', ')}`));
      }, timeoutMs);
      if (!check()) this.waiters.add(check);
    });
  }

  close(): void {
    for (const o of this.off) o();
  }
}
