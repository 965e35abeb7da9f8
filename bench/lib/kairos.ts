/**
 * A real `kairos serve` process for the bench: free loopback port, a SQLite file of the bench's
 * choosing (or a PostgreSQL URL, for cluster rows: several of these on one database),
 * LOG_LEVEL=warn; talked to over HTTP. Registered with procs.ts so it never outlives
 * the run.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { freePort, sleep, tempDir } from './net.ts';
import { onRelease, spawnTracked, stopChild } from './procs.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const KAIROS_BIN = path.join(ROOT, 'packages/cli/bin/kairos.mjs');
export const ADMIN = { email: 'admin@bench.test', password: 'admin-password-for-the-bench' };

export const iso = (ms: number): string => new Date(ms).toISOString();

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
  json: any;
  text: string;
}

export class Kairos {
  child: ChildProcess | null = null;
  port = 0;
  token = '';
  output = '';
  private release: (() => Promise<void>) | null = null;
  /**
   * Keep-alive connections to this server (undici, what `fetch` is built on, without its web
   * streams). The load client shares the server's 2 cores: `fetch` cost it 1.56 ms of CPU per
   * `POST /events` against 0.35 ms per GET (bench/statements-probe.ts), and a trivial server
   * answered a `fetch` POST for 0.4–0.58 ms of CPU and an undici one for 0.08–0.17 ms
   * (client and server in one process).
   */
  private connections: Pool | null = null;

  constructor(
    readonly dbPath: string = path.join(tempDir('kairos-bench-'), 'kairos.sqlite'),
    readonly env: Record<string, string> = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  /** Start and wait for /readyz; resolves with the milliseconds from spawn to ready. */
  async start(): Promise<number> {
    this.port = await freePort();
    const t0 = performance.now();
    const child = spawnTracked(process.execPath, [KAIROS_BIN, 'serve'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        TZ: 'UTC',
        HOME: process.env.HOME ?? os.tmpdir(),
        PORT: String(this.port),
        HOST: '127.0.0.1',
        KAIROS_DB: this.dbPath,
        KAIROS_ADMIN_EMAIL: ADMIN.email,
        KAIROS_ADMIN_PASSWORD: ADMIN.password,
        LOG_LEVEL: 'warn',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.output = '';
    const keep = (d: Buffer) => {
      this.output = (this.output + d).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.release = onRelease(`kairos :${this.port}`, () => stopChild(child, 15_000));
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`kairos exited (${child.exitCode}) before ready:\n${this.output}`);
      const ok = await fetch(`${this.url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) {
        const ms = performance.now() - t0;
        if (!this.token) this.token = await this.login();
        return ms;
      }
      await sleep(10);
    }
    throw new Error(`kairos not ready within 120 s:\n${this.output}`);
  }

  private async login(): Promise<string> {
    const r = await this.api('POST', '/auth/login', { json: ADMIN, anonymous: true });
    if (r.status !== 200) throw new Error(`login: ${r.status} ${r.text}`);
    return r.json.token as string;
  }

  async api(method: string, apiPath: string, opts: { json?: unknown; anonymous?: boolean } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    if (!opts.anonymous && this.token) headers.authorization = `Bearer ${this.token}`;
    const body = opts.json === undefined ? undefined : JSON.stringify(opts.json);
    this.connections ??= new Pool(this.url, { connections: 64 });
    const res = await this.connections.request({ path: `/api/v1${apiPath}`, method: method as 'GET', headers, body });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, json, text };
  }

  /** Resident memory of the server process, from /proc (Linux): current and peak, in MB. */
  memory(): { rssMb: number; peakMb: number } | null {
    try {
      const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
      return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
    } catch {
      return null;
    }
  }

  async stop(): Promise<void> {
    const connections = this.connections;
    this.connections = null;
    await connections?.destroy();
    const release = this.release;
    this.release = null;
    this.child = null;
    await release?.();
  }

  /** Stop, then remove the database files (a SQLite file in its own temp folder; a PostgreSQL URL is left alone). */
  async dispose(): Promise<void> {
    await this.stop();
    if (path.isAbsolute(this.dbPath)) fs.rmSync(path.dirname(this.dbPath), { recursive: true, force: true });
  }
}

let template: string | null = null;

/**
 * A server on a fresh copy of one migrated database with its admin (made once per run): a seed
 * needs the schema and the admin before the server that uses them starts, and a start and stop
 * per row cost seconds on a loaded machine.
 */
export async function freshKairos(env: Record<string, string> = {}): Promise<Kairos> {
  if (!template) {
    const k = new Kairos();
    await k.start();
    await k.stop();
    const file = k.dbPath;
    onRelease('template database', async () => fs.rmSync(path.dirname(file), { recursive: true, force: true }));
    template = file;
  }
  const db = path.join(tempDir('kairos-bench-'), 'kairos.sqlite');
  // The server checkpointed and removed its WAL on a clean stop: the main file is the database.
  fs.copyFileSync(template, db);
  return new Kairos(db, env);
}

/** Run `fn` over `items` with `concurrency` in flight; `onDone` after each. */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
