/**
 * The fuzz runner (issue 10): seeds a real `kairos serve` with events in every state, then sends
 * generated hostile requests one at a time over real HTTP and checks each answer: never a 5xx,
 * never a hang (a per-request timeout), an error is the SPEC's JSON with a known code, and a
 * request that got a 4xx left the database unchanged. Sequential on purpose: "unchanged" is
 * judged between the moments just before and just after one request, with SQLite's
 * `data_version` (any commit by another connection moves it) and a digest of every table when it
 * moved. The test (fuzz.test.ts) and `npm run fuzz` (the long form) both run this.
 */
import { createHash } from 'node:crypto';
import { ERROR_CODES } from '@kairos/core';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { type Actor, arbRequest, type FuzzRequest, type IdPool, type Route } from './fuzz-requests.ts';
import type { TEMPLATES } from './fuzz-values.ts';
import { ADMIN, type TestServer } from './server.ts';

export interface FuzzFailure {
  kind: '5xx' | 'hang' | 'partial_write' | 'bad_error_body';
  detail: string;
  request: FuzzRequest;
}

export interface FuzzReport {
  sent: number;
  /** Requests the HTTP client itself refused to send (an invalid header value). */
  unsendable: number;
  /** route → status → count. */
  counts: Map<string, Map<number, number>>;
  failures: FuzzFailure[];
  ms: number;
}

const BODY_ROUTES: Record<string, keyof typeof TEMPLATES> = {
  'POST /api/v1/auth/login': 'login',
  'POST /api/v1/users': 'user',
  'POST /api/v1/events': 'event',
  'PATCH /api/v1/events/{id}': 'event',
  'POST /api/v1/events/{id}/decline': 'reason',
  'POST /api/v1/events/{id}/cancel': 'reason',
  'POST /api/v1/events/{id}/registrations': 'registration',
  'POST /api/v1/events/{id}/checkins': 'checkin',
};

/** Every route the OpenAPI document lists, plus those it hides (sign-in, the web app, operations). */
export async function routesOf(server: TestServer): Promise<Route[]> {
  const doc = (await server.api('GET', '/openapi.json')).json as {
    paths: Record<string, Record<string, { requestBody?: unknown; parameters?: Array<{ in: string; name: string }> }>>;
  };
  const routes: Route[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const key = `${method.toUpperCase()} ${path}`;
      routes.push({
        method: method.toUpperCase(),
        path,
        body: BODY_ROUTES[key] ?? null,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      });
    }
  }
  const extra = (method: string, path: string, body: Route['body'] = null): Route => ({ method, path, body, query: [] });
  routes.push(
    extra('POST', '/api/v1/auth/login', 'login'),
    extra('GET', '/api/v1/openapi.json'),
    extra('GET', '/healthz'),
    extra('GET', '/readyz'),
    extra('GET', '/metrics'),
    extra('GET', '/'),
    extra('GET', '/events/{id}'),
    extra('GET', '/assets/{id}'),
    extra('GET', '/docs'),
  );
  return routes;
}

/** Row digests of every table, rows in a stable order. */
function digest(db: Database.Database): string {
  const hash = createHash('sha256');
  db.transaction(() => {
    const tables = db
      .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
      .pluck()
      .all() as string[];
    for (const table of tables) {
      const rows = db
        .prepare(`select * from "${table}"`)
        .raw()
        .all()
        .map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
      hash.update(`${table}\n${rows.sort().join('\n')}\n`);
    }
  })();
  return hash.digest('hex');
}

/** Watches the database between requests: cheap when nothing committed, a full digest when something did. */
export class Watch {
  private readonly db: Database.Database;
  private version = -1;
  private sum = '';
  constructor(file: string) {
    this.db = new Database(file, { fileMustExist: true });
    this.db.pragma('busy_timeout = 5000');
  }
  private dataVersion = () => this.db.pragma('data_version', { simple: true }) as number;
  /** Before a request: the state to compare with. */
  mark(): void {
    const v = this.dataVersion();
    if (v !== this.version) {
      this.version = v;
      this.sum = digest(this.db);
    }
  }
  /** After a rejected request: did anything change since `mark`? */
  changed(): boolean {
    if (this.dataVersion() === this.version) return false;
    return digest(this.db) !== this.sum;
  }
  close(): void {
    this.db.close();
  }
}

export interface FuzzOptions {
  requests: number;
  seed: number;
  timeoutMs: number;
  tokens: Record<Exclude<Actor, 'anonymous'>, string>;
  relogin: Record<Exclude<Actor, 'anonymous'>, () => Promise<string>>;
  pool: IdPool;
  /** Called every 1 000 requests (the long form prints progress). */
  progress?: (sent: number) => void;
}

async function send(server: TestServer, req: FuzzRequest, token: string | null, timeoutMs: number) {
  const headers: Record<string, string> = { ...req.headers };
  if (token && headers.authorization === undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${server.url}${req.url}`, {
    method: req.method,
    headers,
    body: req.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  // A stream never ends by itself: its answer is judged on its status and headers.
  if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, headers: res.headers, text: '' };
  }
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function harvest(pool: IdPool, req: FuzzRequest, status: number, headers: Headers, text: string): void {
  const etag = headers.get('etag');
  if (etag && pool.etags.length < 200) pool.etags.push(etag);
  if (status !== 201) return;
  try {
    const json = JSON.parse(text) as { id?: unknown; token?: unknown };
    if (typeof json.id !== 'string') return;
    if (req.route.endsWith('/registrations') && typeof json.token === 'string') {
      pool.registrations.push(json.id);
      pool.tokens.push(json.token);
    } else if (json.id.startsWith('ev_')) pool.events.push(json.id);
    else if (json.id.startsWith('usr_')) pool.users.push(json.id);
  } catch {
    // Not JSON: nothing to harvest.
  }
}

function checkErrorBody(status: number, req: FuzzRequest, text: string): string | null {
  if (status < 400 || req.method === 'HEAD') return null;
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code) ? null : `error code ${String(code)}`;
  } catch {
    return `not JSON: ${text.slice(0, 80)}`;
  }
}

export async function runFuzz(server: TestServer, routes: readonly Route[], opts: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = { sent: 0, unsendable: 0, counts: new Map(), failures: [], ms: 0 };
  const watch = new Watch(server.dbPath);
  const tokens = { ...opts.tokens };
  const t0 = Date.now();
  try {
    for (let batch = 0; report.sent + report.unsendable < opts.requests; batch++) {
      const n = Math.min(100, opts.requests - report.sent - report.unsendable);
      // Re-made per batch, so ids created by earlier answers are fuzzed too.
      const requests = fc.sample(arbRequest(routes, opts.pool), { numRuns: n, seed: opts.seed + batch });
      for (const req of requests) {
        const token = req.actor === 'anonymous' ? null : tokens[req.actor];
        watch.mark();
        let res: Awaited<ReturnType<typeof send>>;
        try {
          res = await send(server, req, token, opts.timeoutMs);
        } catch (error) {
          const name = (error as Error).name;
          if (name === 'TimeoutError')
            report.failures.push({ kind: 'hang', detail: `no answer within ${opts.timeoutMs} ms`, request: req });
          else if (error instanceof TypeError && !/fetch failed/.test(error.message)) report.unsendable++;
          else
            report.failures.push({
              kind: '5xx',
              detail: `connection failed: ${String((error as Error).cause ?? error)}`,
              request: req,
            });
          continue;
        }
        report.sent++;
        if (report.sent % 1000 === 0) opts.progress?.(report.sent);
        const byStatus = report.counts.get(req.route) ?? new Map<number, number>();
        byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
        report.counts.set(req.route, byStatus);
        if (res.status >= 500)
          report.failures.push({ kind: '5xx', detail: `${res.status} ${res.text.slice(0, 300)}`, request: req });
        const bad = checkErrorBody(res.status, req, res.text);
        if (bad) report.failures.push({ kind: 'bad_error_body', detail: `${res.status} ${bad}`, request: req });
        if (res.status >= 400 && res.status < 500 && watch.changed()) {
          report.failures.push({ kind: 'partial_write', detail: `${res.status} ${res.text.slice(0, 200)}`, request: req });
        }
        if (res.status < 300) harvest(opts.pool, req, res.status, res.headers, res.text);
        // A fuzzed logout may have ended an actor's session: sign in again.
        const actor = req.actor;
        if (req.route === 'POST /api/v1/auth/logout' && actor !== 'anonymous') {
          if ((await server.api('GET', '/auth/me', { token: tokens[actor] })).status === 401)
            tokens[actor] = await opts.relogin[actor]();
        }
      }
    }
  } finally {
    watch.close();
    report.ms = Date.now() - t0;
  }
  return report;
}

/** The counts as a table: one line per route, statuses with their counts. */
export function formatReport(report: FuzzReport): string {
  const lines = [...report.counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([route, byStatus]) => {
      const total = [...byStatus.values()].reduce((a, b) => a + b, 0);
      const statuses = [...byStatus.entries()].sort(([a], [b]) => a - b).map(([s, c]) => `${s}×${c}`);
      return `${route.padEnd(52)} ${String(total).padStart(6)}  ${statuses.join(' ')}`;
    });
  const all = new Map<number, number>();
  for (const byStatus of report.counts.values()) for (const [s, c] of byStatus) all.set(s, (all.get(s) ?? 0) + c);
  const summary = [...all.entries()]
    .sort(([a], [b]) => a - b)
    .map(([s, c]) => `${s}×${c}`)
    .join(' ');
  return [
    ...lines,
    `${'all routes'.padEnd(52)} ${String(report.sent).padStart(6)}  ${summary}`,
    `${report.sent} requests in ${(report.ms / 1000).toFixed(1)} s (${report.unsendable} refused by the HTTP client as invalid); ${report.failures.length} failures`,
  ].join('\n');
}

export { ADMIN };
