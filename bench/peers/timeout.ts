/** The naive baseline: one in-process `setTimeout` per job, nothing persisted. */
import type { Job, OnRun, Peer } from './peer.ts';

export class TimeoutPeer implements Peer {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private onRun: OnRun = () => {};

  async start(onRun: OnRun): Promise<void> {
    this.onRun = onRun;
  }

  async add(jobs: readonly Job[]): Promise<void> {
    for (const job of jobs) this.arm(job);
  }

  async reschedule(job: Job): Promise<void> {
    clearTimeout(this.timers.get(job.id));
    this.arm(job);
  }

  private arm(job: Job): void {
    this.timers.set(
      job.id,
      setTimeout(() => this.onRun(job.id, job.due), Math.max(0, job.due - Date.now())),
    );
  }

  async stop(): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t);
  }
}
