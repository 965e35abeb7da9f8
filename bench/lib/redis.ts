/**
 * Debian's redis-server for the BullMQ rows: installed when missing and we are root (see
 * ensure-redis.sh), started on a free loopback port with its own temp folder, stock settings
 * apart from where it listens and writes (and `hz` when asked), stopped by the bench.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, tempDir, until } from './net.ts';
import { onRelease, spawnTracked, stopChild } from './procs.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface RedisInstance {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** Installs redis-server if needed; null (with the reason) when it cannot run here. */
export function ensureRedis(): { version: string } | { missing: string } {
  const r = spawnSync('bash', [path.join(HERE, 'ensure-redis.sh')], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
  if (r.status !== 0) return { missing: r.stderr.trim() || 'redis-server is not installed' };
  const v = execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
  return { version: /v=([\d.]+)/.exec(v)?.[1] ?? v.trim() };
}

export async function startRedis(extra: string[] = []): Promise<RedisInstance> {
  const port = await freePort();
  const dir = tempDir('kairos-bench-redis-');
  const child = spawnTracked(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  const ready = await until(() => output.includes('Ready to accept connections') || child.exitCode !== null, 10_000);
  if (!ready || child.exitCode !== null) throw new Error(`redis-server did not start:\n${output}`);
  const stop = onRelease(
    `redis-server :${port}`,
    async () => {
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
    () => child.kill('SIGKILL'),
  );
  return { port, url: `redis://127.0.0.1:${port}`, stop };
}
