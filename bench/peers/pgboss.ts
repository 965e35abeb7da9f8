/**
 * pg-boss jobs with `startAfter`, added with insert. pg-boss has no way to move a queued job:
 * reschedule = cancel + send (replace). One worker: it fetches one batch per polling interval
 * whatever it found (src/worker.js), so its throughput is batchSize ÷ interval; BATCH = 100 keeps
 * up with the lateness window's 100 jobs/s at the 0.5 s setting (10 fell behind by seconds).
 */
import { randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import { CONCURRENCY, type Job, type OnRun, type Peer } from './peer.ts';

const CHUNK = 5000;
const QUEUE = 'bench';
const BATCH = 100;

export class PgBossPeer implements Peer {
  private boss: PgBoss | null = null;
  private readonly ids = new Map<string, string>();

  constructor(
    private readonly connectionString: string,
    private readonly pollingIntervalSeconds: number,
  ) {}

  async start(onRun: OnRun): Promise<void> {
    const boss = new PgBoss({ connectionString: this.connectionString, max: CONCURRENCY });
    boss.on('error', (e) => process.stderr.write(`pg-boss: ${String(e)}\n`));
    await boss.start();
    await boss.createQueue(QUEUE);
    await boss.work<{ id: string; due: number }>(
      QUEUE,
      { pollingIntervalSeconds: this.pollingIntervalSeconds, batchSize: BATCH },
      async (jobs) => {
        for (const job of jobs) onRun(job.data.id, job.data.due);
      },
    );
    this.boss = boss;
  }

  async add(jobs: readonly Job[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += CHUNK) {
      const rows = jobs.slice(i, i + CHUNK).map((j) => {
        const id = randomUUID();
        this.ids.set(j.id, id);
        return { id, name: QUEUE, data: { id: j.id, due: j.due }, startAfter: new Date(j.due).toISOString() };
      });
      await this.boss?.insert(rows);
    }
  }

  async reschedule(job: Job): Promise<void> {
    const old = this.ids.get(job.id);
    if (!this.boss || !old) return;
    await this.boss.cancel(QUEUE, old);
    const id = await this.boss.send(QUEUE, { id: job.id, due: job.due }, { startAfter: new Date(job.due) });
    if (id) this.ids.set(job.id, id);
  }

  async stop(): Promise<void> {
    await this.boss?.stop({ graceful: false, wait: true });
  }
}
