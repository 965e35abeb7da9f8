/**
 * SSE frames and the batches the hub hands to clients. A batch is what one commit (or one
 * catch-up page) means for one audience: its frames concatenated once, so a client costs one
 * socket write per commit however many entries the commit carries.
 */
import { canRead, isPublicStatus, type Viewer } from '@kairos/core';
import type { HistoryRecord } from '../features/history/history.record.ts';

/** One SSE frame: `id`, `event`, `data` (single line JSON). */
export function frame(type: string, data: unknown, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** May this viewer see this entry? Public sees entries about events it may read. */
export function canSeeEntry(viewer: Viewer, entry: HistoryRecord): boolean {
  const status = entry.cause === 'delete' && entry.from ? entry.from.status : entry.to.status;
  if (isPublicStatus(status)) return true;
  return canRead(viewer, { status, createdBy: entry.ownerId });
}

/** A message waiting to go out: who may see it, and its text, rendered at most once. */
export interface Outgoing {
  /** The history seq (`id:` line); null for messages outside the history (registrations, heartbeats). */
  readonly seq: number | null;
  visible(viewer: Viewer): boolean;
  text(): string;
}

export function outgoing(seq: number | null, visible: (viewer: Viewer) => boolean, render: () => string): Outgoing {
  let text: string | null = null;
  return {
    seq,
    visible,
    text: () => {
      text ??= render();
      return text;
    },
  };
}

export interface Batch {
  readonly frames: readonly Outgoing[];
  /** All frames, concatenated. */
  readonly text: string;
  /** Lowest and highest history seq in the batch; 0 when it holds none. */
  readonly firstSeq: number;
  readonly lastSeq: number;
}

export function toBatch(frames: readonly Outgoing[]): Batch {
  let firstSeq = 0;
  let lastSeq = 0;
  for (const f of frames) {
    if (f.seq === null) continue;
    if (firstSeq === 0) firstSeq = f.seq;
    lastSeq = f.seq;
  }
  return { frames, text: frames.map((f) => f.text()).join(''), firstSeq, lastSeq };
}

export const HEARTBEAT: Batch = toBatch([
  outgoing(
    null,
    () => true,
    () => ': heartbeat\n\n',
  ),
]);

/**
 * The part of a batch a client still needs when it has already sent up to `sent` (a replay
 * may overlap the first live batches); messages without a seq always go out.
 */
export function textAfter(batch: Batch, sent: number): string {
  if (batch.firstSeq === 0 || batch.firstSeq > sent) return batch.text;
  return batch.frames
    .filter((f) => f.seq === null || f.seq > sent)
    .map((f) => f.text())
    .join('');
}
