/**
 * Export and import for the command line (SPEC §15): the same services the HTTP routes use, on
 * a store the caller opened. The CLI has no session: the import runs as an admin named by
 * email, else as the oldest admin account.
 */
import type { Writable } from 'node:stream';
import { type ImportFormat, KairosError, splitJsonLines, type Viewer } from '@kairos/core';
import type { Clock } from './clock.ts';
import type { Store } from './db/store.ts';
import { EventsService } from './features/events/events.service.ts';
import { exportLines } from './features/transfer/export.ts';
import { type ImportReport, ImportService } from './features/transfer/import.service.ts';
import { findUserByEmail, listUsers } from './features/users/users.repository.ts';

/** Write every event as JSON Lines to `out`, honouring back-pressure; returns how many. */
export async function runExport(store: Store, clock: Clock, out: Writable): Promise<number> {
  let count = 0;
  for await (const chunk of exportLines(store.db, () => clock.now())) {
    count += chunk.split('\n').length - 1;
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
  }
  return count;
}

export interface RunImportOptions {
  text: string;
  format: ImportFormat;
  sourceTimezone: string;
  dryRun: boolean;
  atomic: boolean;
  /** The admin to import as (email); null: the oldest admin. */
  as: string | null;
  defaultTimezone: string;
  onProgress?: (done: number, total: number) => void;
}

async function importingAdmin(store: Store, email: string | null): Promise<Viewer> {
  const user = email
    ? await findUserByEmail(store.db, email.trim().toLowerCase())
    : (await listUsers(store.db)).find((u) => u.role === 'admin');
  if (user?.role !== 'admin') {
    throw new KairosError(
      'forbidden',
      email ? `${email} is not an admin account` : 'no admin account exists; create one with kairos user add',
    );
  }
  return { role: 'admin', userId: user.id };
}

export async function runImport(store: Store, clock: Clock, o: RunImportOptions): Promise<ImportReport> {
  const viewer = await importingAdmin(store, o.as);
  const events = new EventsService({ store, clock, defaultTimezone: o.defaultTimezone });
  const importer = new ImportService({ store, clock, events, defaultTimezone: o.defaultTimezone });
  const sources = o.text.trimStart().startsWith('[') ? arraySources(o.text) : splitJsonLines(o.text);
  return importer.run(viewer, sources, {
    format: o.format,
    sourceTimezone: o.sourceTimezone,
    dryRun: o.dryRun,
    atomic: o.atomic,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
}

/** A JSON array file: each element a record, numbered by its position. */
function arraySources(text: string) {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new KairosError('invalid_json', 'the file starts with [ but is not a valid JSON array');
  }
  if (!Array.isArray(value)) throw new KairosError('validation_failed', 'the file must be JSON Lines or a JSON array');
  return value.map((v, i) => ({ line: i + 1, value: v }));
}
