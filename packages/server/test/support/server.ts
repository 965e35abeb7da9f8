/**
 * A real Kairos process for tests: `kairos serve` as a child process on a free loopback port
 * and a fresh database (a temp SQLite file, or a PostgreSQL database in the `postgres` project), talked to over real HTTP. Killable with SIGKILL and restartable on the
 * same database. Every server started here is stopped by `stopAll()` (call it in afterAll).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
/** The `kairos` command as users run it (from source, through tsx). */
export const SOURCE_BIN = path.join(ROOT, 'packages/cli/bin/kairos.mjs');
/** What the suites start: the same code compiled once by the vitest globalSetup (support/bundle.setup.ts). */
export const KAIROS_BIN = process.env.KAIROS_TEST_BIN ?? SOURCE_BIN;
export const ADMIN = { email: 'admin@example.test', password: 'admin-password-for-tests' };

const running = new Set<TestServer>();
/** Databases copied from the run's SQLite template (bundle.setup.ts), whose admin session a first start may use. */
const templateCopies = new Set<string>();
/** What changes the meaning of the template's admin session: its secret, its lifetime, the admin. */
const SESSION_SETTINGS = ['KAIROS_SECRET', 'KAIROS_SESSION_TTL_HOURS', 'KAIROS_ADMIN_EMAIL', 'KAIROS_ADMIN_PASSWORD'];

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix = 'kairos-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected field by field
  json: any;
}

export interface RequestOptions {
  token?: string | undefined;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
}

export class TestServer {
  child: ChildProcess | null = null;
  output = '';
  port = 0;
  adminToken = '';

  constructor(
    readonly dbPath: string,
    readonly env: Record<string, string>,
    /** How long a start may take; the crash torture's instances start together on a loaded machine. */
    readonly readyTimeoutMs = 60_000,
    readonly bin = KAIROS_BIN,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Start (again); `samePort` keeps the last port, as an instance behind a proxy must. */
  async start({ samePort = false } = {}): Promise<this> {
    if (!samePort || this.port === 0) this.port = await freePort();
    const child = spawn(process.execPath, [this.bin, 'serve'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        TZ: process.env.TZ ?? 'UTC',
        HOME: process.env.HOME ?? os.tmpdir(),
        PORT: String(this.port),
        HOST: '127.0.0.1',
        KAIROS_DB: this.dbPath,
        // A template copy has this admin already: naming it would only re-check its password at
        // every start (one scrypt, 107 ms of CPU). Servers on other databases still create it.
        ...(this.templateSession() ? {} : { KAIROS_ADMIN_EMAIL: ADMIN.email, KAIROS_ADMIN_PASSWORD: ADMIN.password }),
        LOG_LEVEL: 'info',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    running.add(this);
    child.stdout?.on('data', (d) => {
      this.output += d;
    });
    child.stderr?.on('data', (d) => {
      this.output += d;
    });
    // Generous: a loaded machine starts a process slowly. Probed when the process logs that it
    // listens (or every 100 ms, as before, when its log level hides that line); polling alone cost each of the
    // suites' hundreds of starts 50 ms on average.
    const from = this.output.length;
    const listening = new Promise<void>((resolve) => {
      const seen = () => {
        if (!this.output.includes('kairos ready', from)) return;
        child.stdout?.off('data', seen);
        resolve();
      };
      child.stdout?.on('data', seen);
    });
    let heard = false;
    void listening.then(() => {
      heard = true;
    });
    const deadline = Date.now() + this.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`server exited (${child.exitCode}) before ready:\n${this.output.slice(-4000)}`);
      const ok = await fetch(`${this.url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) {
        if (!this.adminToken) this.adminToken = this.templateSession() ?? (await this.login(ADMIN.email, ADMIN.password));
        return this;
      }
      await (heard ? sleep(25) : Promise.race([listening, sleep(100)]));
    }
    await this.kill9();
    throw new Error(`server not ready within ${this.readyTimeoutMs / 1000} s:\n${this.output.slice(-4000)}`);
  }

  /** The template's admin and its session, valid in a copy of it started with the same session settings. */
  private templateSession(): string | null {
    const token = process.env.KAIROS_TEST_SQLITE_ADMIN_TOKEN;
    if (!token || !templateCopies.has(this.dbPath) || SESSION_SETTINGS.some((name) => name in this.env)) return null;
    return token;
  }

  async login(email: string, password: string): Promise<string> {
    const r = await this.api('POST', '/auth/login', { json: { email, password } });
    if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${r.text}`);
    return r.json.token as string;
  }

  /** Request under /api/v1 (or an absolute path starting with `/` and not `/api`, as given). */
  async request(method: string, urlPath: string, opts: RequestOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    let body: string | undefined = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] ??= 'application/json';
    }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const res = await fetch(`${this.url}${urlPath}`, { method, headers, body });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  api(method: string, apiPath: string, opts: RequestOptions = {}): Promise<ApiResponse> {
    return this.request(method, `/api/v1${apiPath}`, opts);
  }

  /** kill -9: no shutdown hook runs. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
    this.child = null;
  }

  /** SIGTERM and wait; returns the exit code and how long the graceful stop took. */
  async stop(): Promise<{ code: number | null; ms: number }> {
    const child = this.child;
    if (!child || child.exitCode !== null) return { code: child?.exitCode ?? null, ms: 0 };
    const t0 = Date.now();
    const gone = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await gone;
    clearTimeout(timer);
    this.child = null;
    running.delete(this);
    return { code, ms: Date.now() - t0 };
  }

  async restart(): Promise<this> {
    await this.stop();
    return this.start();
  }
}

/** The dialect matrix: the `postgres` vitest project sets this, the `sqlite` one leaves it unset. */
export const DIALECT: 'sqlite' | 'postgres' = process.env.KAIROS_TEST_DIALECT === 'postgres' ? 'postgres' : 'sqlite';

/** A database of its own; migrated already, with its admin (a copy of the run's template), unless `empty`. */
export async function freshDatabase({ empty = false } = {}): Promise<string> {
  if (DIALECT === 'sqlite') {
    const file = path.join(tempDir(), 'kairos.sqlite');
    const template = process.env.KAIROS_TEST_SQLITE_TEMPLATE;
    if (!empty && template) {
      fs.copyFileSync(template, file);
      templateCopies.add(file);
    }
    return file;
  }
  const admin = new URL(inject('postgresUrl'));
  const name = `kairos_${crypto.randomUUID().replaceAll('-', '')}`;
  // Loaded here, not at the top: the SQLite-only suites (most) never need it.
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: admin.href });
  await client.connect();
  try {
    await client.query(`create database ${name}${empty ? '' : ` template ${inject('postgresTemplate')}`}`);
  } finally {
    await client.end();
  }
  admin.pathname = `/${name}`;
  return admin.href;
}

/** A fresh server on a fresh database. */
export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  return new TestServer(await freshDatabase(), env).start();
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

/** Run `kairos <args>` with the server's database; resolves with exit code and output. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
  bin = KAIROS_BIN,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', TZ: process.env.TZ ?? 'UTC', HOME: process.env.HOME ?? os.tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const iso = (ms: number): string => new Date(ms).toISOString();
