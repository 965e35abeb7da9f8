import { runDoctor } from '@kairos/server';
import { openConfigured } from './context.ts';
import { progressBar } from './progress.ts';

export async function doctor(opts: { fix?: boolean; json?: boolean }): Promise<void> {
  const { store } = await openConfigured();
  try {
    const onProgress = process.stderr.isTTY && !opts.json ? progressBar(process.stderr, 'checking', 'events') : undefined;
    const report = await runDoctor(store, Date.now, opts.fix === true, onProgress ? { onProgress } : {});
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      process.stdout.write(`checked ${report.checkedEvents} event(s)\n`);
      for (const p of report.problems) {
        process.stdout.write(`  ${p.kind.padEnd(16)} ${p.eventId}${p.trigger ? ` ${p.trigger}` : ''}: ${p.detail}\n`);
      }
      if (report.problems.length === 0) process.stdout.write('clean: every trigger and status matches the dates\n');
      else if (report.fixed > 0) process.stdout.write(`fixed ${report.fixed} problem(s) in one transaction\n`);
      else process.stdout.write(`${report.problems.length} problem(s); run kairos doctor --fix to repair\n`);
    }
    process.exitCode = report.problems.length === 0 || report.fixed > 0 ? 0 : 1;
  } finally {
    await store.close();
  }
}
