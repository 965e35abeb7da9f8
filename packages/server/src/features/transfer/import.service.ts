/**
 * Import (SPEC §15). Every record is mapped by its format (core), then validated by exactly the
 * rules of `POST /events`: the same request schema compiled the same way, then core's
 * `resolveEventFields`. Valid records are created through the events service's own create write
 * (row, triggers and history entry in one transaction) as the importing admin, many per
 * transaction.
 */
import {
  EventCreateBody,
  type EventFields,
  type ImportFormat,
  type ImportSource,
  KairosError,
  type Mapped,
  type MappedRecord,
  mapCampusConnect,
  mapKairos,
  type RejectedRecord,
  resolveEventFields,
  type Status,
  type Viewer,
} from '@kairos/core';
import type { Clock } from '../../clock.ts';
import type { Store } from '../../db/store.ts';
import { detailsFromAjv } from '../../http/errors.ts';
import { compileBodyValidator } from '../../http/validation.ts';
import { existingEventIds } from '../events/events.repository.ts';
import { type EventsService, newEventId, newEventRecord } from '../events/events.service.ts';

export interface ImportOptions {
  format: ImportFormat;
  /** campusconnect: the zone its wall times were meant in, and the events' zone. */
  sourceTimezone: string;
  dryRun: boolean;
  /** Create none when any record is rejected; all valid ones commit in one transaction. */
  atomic: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Records per transaction; default IMPORT_BATCH (a knob for measuring it). */
  batchSize?: number;
}

export interface ImportReport {
  created: number;
  skipped: number;
  rejected: RejectedRecord[];
}

interface Valid {
  line: number;
  id: string;
  fields: EventFields;
  status: Status;
  reason: string | null;
}

/**
 * Records per transaction. 10 000 campusconnect records into a fresh SQLite file
 * (`npx tsx packages/server/test/support/import-bench.ts`, this 2-core machine at load ~17 from
 * other sessions, so absolute numbers are inflated): 1 per transaction 74.6 s, 100 19.0 s,
 * 500 16.6 s, 2 000 13.8 s. Of those, validation alone (DRY=1: core's resolveEventFields, mostly
 * Temporal wall-time parsing) took 4.8–9.6 s. 500 takes most of the gain while one transaction
 * still holds SQLite's one writer for well under a second, so live writes queued behind it stay quick.
 */
export const IMPORT_BATCH = 500;

const STATUS_OF: Record<MappedRecord['intent'], Status> = {
  approved: 'upcoming',
  draft: 'draft',
  pending_approval: 'pending_approval',
  declined: 'declined',
  cancelled: 'cancelled',
};

export interface ImportDeps {
  store: Store;
  clock: Clock;
  events: EventsService;
  defaultTimezone: string;
}

export class ImportService {
  /** Compiled on the first import, not with every server start (about 40 ms of a start's CPU). */
  private compiledCheck: ReturnType<typeof compileBodyValidator> | undefined;
  private get checkBody() {
    this.compiledCheck ??= compileBodyValidator(EventCreateBody);
    return this.compiledCheck;
  }

  constructor(private readonly deps: ImportDeps) {}

  /** Map and validate every record; nothing is read or written. */
  validate(sources: ReadonlyArray<ImportSource | RejectedRecord>, opts: Pick<ImportOptions, 'format' | 'sourceTimezone'>) {
    const valid: Valid[] = [];
    const rejected: RejectedRecord[] = [];
    for (const source of sources) {
      if ('details' in source) {
        rejected.push(source);
        continue;
      }
      const mapped: Mapped = opts.format === 'campusconnect' ? mapCampusConnect(source, opts.sourceTimezone) : mapKairos(source);
      if (!mapped.ok) {
        rejected.push(mapped.rejected);
        continue;
      }
      const { line, id, body, intent, reason } = mapped.record;
      if (!this.checkBody(body)) {
        rejected.push({ line, id, details: detailsFromAjv(this.checkBody.errors ?? [], 'record') });
        continue;
      }
      try {
        const fields = resolveEventFields(body as EventCreateBody, null, this.deps.defaultTimezone);
        valid.push({ line, id: id ?? newEventId(), fields, status: STATUS_OF[intent], reason });
      } catch (error) {
        if (!(error instanceof KairosError)) throw error;
        rejected.push({ line, id, details: error.details ?? [{ path: '', message: error.message }] });
      }
    }
    return { valid, rejected };
  }

  async run(viewer: Viewer, sources: ReadonlyArray<ImportSource | RejectedRecord>, opts: ImportOptions): Promise<ImportReport> {
    if (viewer.role !== 'admin') throw new KairosError('forbidden', 'only an admin may import events');
    const { valid, rejected } = this.validate(sources, opts);
    const total = valid.length;
    const refused = opts.atomic && rejected.length > 0;
    if (opts.dryRun || refused) {
      // Nothing is written: the report says what the import would do (a refused atomic one: nothing).
      const skipped = await this.countExisting(valid);
      opts.onProgress?.(total, total);
      return { created: refused ? 0 : total - skipped, skipped, rejected };
    }
    let created = 0;
    let skipped = 0;
    const seen = new Set<string>();
    const batch = opts.atomic ? Math.max(1, total) : (opts.batchSize ?? IMPORT_BATCH);
    opts.onProgress?.(0, total);
    for (let i = 0; i < total; i += batch) {
      const chunk = valid.slice(i, i + batch);
      // A write may run twice (PostgreSQL retries a deadlock victim): what it inserted counts once it committed.
      const inserted = await this.deps.store.write(async (tx) => {
        const existing = await existingEventIds(
          tx.db,
          chunk.map((v) => v.id),
        );
        const now = this.deps.clock.now();
        const mine = new Set<string>();
        for (const v of chunk) {
          if (existing.has(v.id) || seen.has(v.id) || mine.has(v.id)) continue;
          mine.add(v.id);
          const event = newEventRecord(v.fields, v.status, viewer.userId, now, v.id);
          await this.deps.events.insertCreated(tx, event, viewer, now, v.reason ?? undefined);
        }
        return mine;
      });
      for (const id of inserted) seen.add(id);
      const done = inserted.size;
      created += done;
      skipped += chunk.length - done;
      opts.onProgress?.(Math.min(total, i + batch), total);
    }
    return { created, skipped, rejected };
  }

  /** Records that would be skipped: their id exists, or came earlier in the same file. */
  private async countExisting(valid: readonly Valid[]): Promise<number> {
    let skipped = 0;
    const seen = new Set<string>();
    for (let i = 0; i < valid.length; i += IMPORT_BATCH) {
      const chunk = valid.slice(i, i + IMPORT_BATCH);
      const existing = await existingEventIds(
        this.deps.store.db,
        chunk.map((v) => v.id),
      );
      for (const v of chunk) {
        if (existing.has(v.id) || seen.has(v.id)) skipped++;
        seen.add(v.id);
      }
    }
    return skipped;
  }
}
