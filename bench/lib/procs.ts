/**
 * Every external process the bench starts is registered here and stopped on the way out: at the
 * end of the run, on a failure, on SIGINT/SIGTERM, and (as a last resort, synchronously) on exit.
 * Only processes this run started are touched, each by its own pid.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

type Release = () => Promise<void>;

const children = new Set<ChildProcess>();
const releasers: Array<{ name: string; release: Release; lastResort?: () => void }> = [];
let exiting = false;

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  return track(spawn(command, args, options));
}

/** A resource with an async release, and optionally a synchronous one for process exit. */
export function onRelease(name: string, release: Release, lastResort?: () => void): () => Promise<void> {
  const entry = lastResort ? { name, release, lastResort } : { name, release };
  releasers.push(entry);
  return async () => {
    const i = releasers.indexOf(entry);
    if (i < 0) return;
    releasers.splice(i, 1);
    await release();
  };
}

/** Stop a child: SIGTERM, then SIGKILL after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function releaseAll(): Promise<void> {
  // Newest first; each entry leaves the list only once released, so the exit hook still sees it.
  for (let entry = releasers.at(-1); entry; entry = releasers.at(-1)) {
    await entry.release().catch((e: unknown) => process.stderr.write(`bench: releasing ${entry?.name}: ${String(e)}\n`));
    releasers.splice(releasers.indexOf(entry), 1);
  }
  await Promise.all([...children].map((c) => stopChild(c)));
}

function lastResort(): void {
  for (const entry of releasers) entry.lastResort?.();
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
}

export function installExitHandlers(): void {
  process.on('exit', lastResort);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (exiting) return lastResort();
      exiting = true;
      process.stderr.write(`\nbench: ${signal}, stopping what it started…\n`);
      releaseAll().finally(() => process.exit(130));
    });
  }
}
