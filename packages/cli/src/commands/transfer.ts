import fs from 'node:fs';
import { CAMPUSCONNECT_ZONE, canonicalZone, type ImportFormat, isValidTimeZone, KairosError } from '@kairos/core';
import { runExport, runImport, systemClock } from '@kairos/server';
import { fail, openConfigured } from './context.ts';
import { progressBar } from './progress.ts';

export async function exportCommand(opts: { out?: string }): Promise<void> {
  const { store } = await openConfigured();
  try {
    const out = opts.out ? fs.createWriteStream(opts.out) : process.stdout;
    const count = await runExport(store, systemClock, out);
    if (opts.out) {
      await new Promise<void>((resolve, reject) =>
        (out as fs.WriteStream).end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
    }
    process.stderr.write(`exported ${count} event(s)${opts.out ? ` to ${opts.out}` : ''}\n`);
  } finally {
    await store.close();
  }
}

interface ImportOpts {
  format: ImportFormat;
  sourceTimezone?: string;
  dryRun?: boolean;
  atomic?: boolean;
  as?: string;
  json?: boolean;
}

export async function importCommand(file: string, opts: ImportOpts): Promise<void> {
  const zone = canonicalZone(opts.sourceTimezone ?? CAMPUSCONNECT_ZONE);
  if (!isValidTimeZone(zone)) fail(`--source-timezone ${zone} is not an IANA time zone; use a name like Asia/Kolkata`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    fail(`cannot read ${file}: ${(error as Error).message}`);
  }
  const { config, store } = await openConfigured();
  try {
    const onProgress = process.stderr.isTTY && !opts.json ? progressBar(process.stderr, 'importing', 'records') : undefined;
    const report = await runImport(store, systemClock, {
      text,
      format: opts.format,
      sourceTimezone: zone,
      dryRun: opts.dryRun === true,
      atomic: opts.atomic === true,
      as: opts.as ?? null,
      defaultTimezone: config.defaultTimezone,
      ...(onProgress ? { onProgress } : {}),
    });
    if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      const would = opts.dryRun ? 'dry run, nothing written: would create' : 'created';
      process.stdout.write(
        `${would} ${report.created}, skipped ${report.skipped} (id exists), rejected ${report.rejected.length}\n`,
      );
      for (const r of report.rejected) {
        const why = r.details.map((d) => (d.path ? `${d.path} ${d.message}` : d.message)).join('; ');
        process.stdout.write(`  line ${r.line}${r.id ? ` (${r.id})` : ''}: ${why}\n`);
      }
      if (opts.atomic && report.rejected.length > 0)
        process.stdout.write('atomic: nothing was created because a record was rejected\n');
    }
    process.exitCode = report.rejected.length === 0 ? 0 : 1;
  } catch (error) {
    if (error instanceof KairosError) fail(error.message, 1);
    throw error;
  } finally {
    await store.close();
  }
}
