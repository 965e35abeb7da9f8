/**
 * What the bench needs from each scheduler it compares Kairos with: schedule jobs in bulk, move
 * one, and call `onRun` at the start of each job's handler. Lateness = handler start − due.
 */
export interface Job {
  id: string;
  /** Epoch ms the job should run at. */
  due: number;
}

export type OnRun = (id: string, due: number) => void;

export interface Peer {
  start(onRun: OnRun): Promise<void>;
  add(jobs: readonly Job[]): Promise<void>;
  /** Move a job added earlier to a new due instant (the peer's reschedule or replace API). */
  reschedule(job: Job): Promise<void>;
  stop(): Promise<void>;
}

/** Which system, configured how; `label` names it in the tables. */
export type PeerSpec =
  | { system: 'setTimeout'; label: string }
  | { system: 'bullmq'; label: string; redisPort: number }
  | { system: 'graphile-worker'; label: string; pgUrl: string; pollInterval: number }
  | { system: 'pg-boss'; label: string; pgUrl: string; pollingIntervalSeconds: number };

/** Worker concurrency for every peer that has one (the handlers only record a time). */
export const CONCURRENCY = 10;

export async function makePeer(spec: PeerSpec): Promise<Peer> {
  switch (spec.system) {
    case 'setTimeout':
      return new (await import('./timeout.ts')).TimeoutPeer();
    case 'bullmq':
      return new (await import('./bullmq.ts')).BullPeer(spec.redisPort);
    case 'graphile-worker':
      return new (await import('./graphile.ts')).GraphilePeer(spec.pgUrl, spec.pollInterval);
    case 'pg-boss':
      return new (await import('./pgboss.ts')).PgBossPeer(spec.pgUrl, spec.pollingIntervalSeconds);
  }
}
