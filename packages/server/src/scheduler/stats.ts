/**
 * What the scheduler did lately, for `/api/v1/scheduler` and `/metrics`: the last firings and a
 * window of lateness samples (bounded memory: a ring of the most recent 2 048).
 */
import { formatInstant } from '@kairos/core';
import type { Metrics } from '../ops/metrics.ts';
import type { Firing } from './fire.ts';
import type { FiringInfo, SchedulerStatus } from './scheduler.ts';

const WINDOW = 2048;
const RECENT = 20;

export class FiringStats {
  private readonly samples: number[] = [];
  private next = 0;
  /** Newest first; formatted only when asked for (a burst records thousands a second). */
  private readonly recentFirings: Firing[] = [];

  constructor(private readonly metrics: Metrics) {}

  record(f: Firing): void {
    if (this.samples.length < WINDOW) this.samples.push(f.lateMs);
    else this.samples[this.next] = f.lateMs;
    this.next = (this.next + 1) % WINDOW;
    this.metrics.lateness.observe(Math.max(0, f.lateMs) / 1000);
    this.recentFirings.unshift(f);
    if (this.recentFirings.length > RECENT) this.recentFirings.pop();
  }

  recent(): FiringInfo[] {
    return this.recentFirings.map((f) => ({
      eventId: f.trigger.eventId,
      title: f.title,
      trigger: f.trigger.trigger,
      dueAt: formatInstant(f.trigger.dueAt),
      firedAt: formatInstant(f.firedAt),
      lateMs: f.lateMs,
      cause: f.cause,
      changed: f.changed,
    }));
  }

  lateness(): SchedulerStatus['lateness'] {
    const sorted = [...this.samples].sort((a, b) => a - b);
    const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? null;
    return {
      count: sorted.length,
      p50Ms: rank(0.5),
      p99Ms: rank(0.99),
      maxMs: sorted.length ? (sorted[sorted.length - 1] ?? null) : null,
    };
  }
}
