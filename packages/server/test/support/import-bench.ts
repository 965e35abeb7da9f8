/**
 * Measures importing 10 000 campusconnect records into a fresh SQLite file per batch size:
 * `npx tsx packages/server/test/support/import-bench.ts [batch…]` (DRY=1: validation only). The number beside
 * IMPORT_BATCH (features/transfer/import.service.ts) comes from here.
 */
import path from 'node:path';
import { splitJsonLines } from '@kairos/core';
import { systemClock } from '../../src/clock.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openSqlite } from '../../src/db/sqlite.ts';
import { AuthService } from '../../src/features/auth/auth.service.ts';
import { EventsService } from '../../src/features/events/events.service.ts';
import { ImportService } from '../../src/features/transfer/import.service.ts';
import { tempDir } from './server.ts';

const N = 10_000;
const date = (ms: number) => ({ $date: new Date(ms).toISOString() });
const base = Date.UTC(2027, 0, 1, 10);
const text = Array.from({ length: N }, (_, i) => {
  const start = base + i * 3_600_000;
  return JSON.stringify({
    event_id: `cc-${i}`,
    event_name: `Imported event ${i}`,
    short_description: 'From the old system',
    venue: 'Main hall',
    max_participants: 100,
    registration_start_date: date(start - 10 * 86_400_000),
    registration_end_date: date(start - 86_400_000),
    start_datetime: date(start),
    end_datetime: date(start + 7_200_000),
    is_certificate_based: true,
    certificate_end_date: date(start + 10 * 86_400_000),
    event_approval_status: 'approved',
  });
}).join('\n');

for (const batchSize of process.argv.slice(2).map(Number).filter(Boolean).length
  ? process.argv.slice(2).map(Number)
  : [1, 100, 500, 2000]) {
  const store = openSqlite(path.join(tempDir('kairos-import-bench-'), 'kairos.sqlite'));
  await migrate(store);
  const auth = new AuthService({
    store,
    clock: systemClock,
    secret: null,
    sessionTtlMs: 3_600_000,
    loginMaxFailures: 10,
    loginMaxFailuresPerAddress: 20,
    loginWindowMs: 900_000,
  });
  await auth.init();
  await auth.ensureAdmin('bench@example.test', 'bench-password-123');
  const user = (await auth.listUsers()).find((u) => u.role === 'admin');
  const events = new EventsService({ store, clock: systemClock, defaultTimezone: 'UTC' });
  const importer = new ImportService({ store, clock: systemClock, events, defaultTimezone: 'UTC' });
  const t0 = performance.now();
  const report = await importer.run({ role: 'admin', userId: user?.id ?? '' }, splitJsonLines(text), {
    format: 'campusconnect',
    sourceTimezone: 'Asia/Kolkata',
    dryRun: process.env.DRY === '1',
    atomic: false,
    batchSize,
  });
  const ms = performance.now() - t0;
  console.log(`batch ${batchSize}: ${report.created} created in ${(ms / 1000).toFixed(2)} s`);
  await store.close();
}
