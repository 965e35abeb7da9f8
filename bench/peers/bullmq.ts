/** BullMQ delayed jobs on the bench's redis-server; reschedule = Job.changeDelay. */
import { Job as BullJob, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { CONCURRENCY, type Job, type OnRun, type Peer } from './peer.ts';

const CHUNK = 5000;

export class BullPeer implements Peer {
  private queue: Queue | null = null;
  private worker: Worker | null = null;
  private readonly connection;

  constructor(port: number) {
    this.connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  }

  async start(onRun: OnRun): Promise<void> {
    const redis = new Redis(this.connection);
    await redis.flushall();
    redis.disconnect();
    this.queue = new Queue('bench', { connection: this.connection });
    this.worker = new Worker(
      'bench',
      async (job) => {
        onRun(job.id ?? '', job.data.due as number);
      },
      { connection: this.connection, concurrency: CONCURRENCY },
    );
    await this.worker.waitUntilReady();
  }

  async add(jobs: readonly Job[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += CHUNK) {
      // The job's own timestamp and the delay come from one clock reading: due = timestamp + delay.
      const now = Date.now();
      await this.queue?.addBulk(
        jobs.slice(i, i + CHUNK).map((j) => ({
          name: 'j',
          data: { due: j.due },
          opts: { jobId: j.id, timestamp: now, delay: Math.max(0, j.due - now), removeOnComplete: true },
        })),
      );
    }
  }

  async reschedule(job: Job): Promise<void> {
    if (!this.queue) return;
    const found = await BullJob.fromId(this.queue, job.id);
    await found?.changeDelay(Math.max(0, job.due - Date.now()));
  }

  async stop(): Promise<void> {
    await this.worker?.close(true);
    await this.queue?.close();
  }
}
