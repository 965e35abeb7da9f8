/** graphile-worker jobs with `runAt`, added with addJobs; reschedule = rescheduleJobs. */
import { Logger, makeWorkerUtils, type Runner, run, type WorkerUtils } from 'graphile-worker';
import { CONCURRENCY, type Job, type OnRun, type Peer } from './peer.ts';

const CHUNK = 5000;
const quiet = new Logger(() => () => {});

export class GraphilePeer implements Peer {
  private utils: WorkerUtils | null = null;
  private runner: Runner | null = null;
  private readonly ids = new Map<string, string>();

  constructor(
    private readonly connectionString: string,
    private readonly pollInterval: number,
  ) {}

  async start(onRun: OnRun): Promise<void> {
    this.utils = await makeWorkerUtils({ connectionString: this.connectionString, logger: quiet });
    await this.utils.migrate();
    this.runner = await run({
      connectionString: this.connectionString,
      concurrency: CONCURRENCY,
      pollInterval: this.pollInterval,
      noHandleSignals: true,
      logger: quiet,
      taskList: {
        bench: async (payload) => {
          const p = payload as { id: string; due: number };
          onRun(p.id, p.due);
        },
      },
    });
  }

  async add(jobs: readonly Job[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += CHUNK) {
      const added = await this.utils?.addJobs(
        jobs.slice(i, i + CHUNK).map((j) => ({ identifier: 'bench', payload: { id: j.id, due: j.due }, runAt: new Date(j.due) })),
      );
      for (const a of added ?? []) this.ids.set((a.payload as { id: string }).id, a.id);
    }
  }

  async reschedule(job: Job): Promise<void> {
    const id = this.ids.get(job.id);
    if (id) await this.utils?.rescheduleJobs([id], { runAt: new Date(job.due) });
  }

  async stop(): Promise<void> {
    await this.runner?.stop();
    await this.utils?.release();
  }
}
