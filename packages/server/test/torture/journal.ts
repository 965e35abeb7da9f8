/**
 * Every request the torture makes and what came back, in order. A request answered 2xx is
 * acknowledged (it must survive anything); 4xx/5xx, or a connection refused before anything was
 * sent, is refused (it must have changed nothing); a connection cut mid-request (the server was
 * killed) is unknown, resolved later by reading what the database holds.
 */
import fs from 'node:fs';

export type Outcome = 'ack' | 'refused' | 'unknown';

export interface Exchange {
  n: number;
  op: string;
  method: string;
  url: string;
  body: unknown;
  sentAt: number;
  answeredAt: number;
  status: number | null;
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
  answer: any;
  outcome: Outcome;
  error: string | null;
}

/** Why fetch failed, as the undici cause code (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET…). */
function causeCode(e: unknown): string {
  const cause = (e as { cause?: { code?: string; name?: string } }).cause;
  return cause?.code ?? cause?.name ?? (e as Error).name ?? 'error';
}

export class Journal {
  readonly exchanges: Exchange[] = [];

  constructor(private readonly file: string | null) {
    if (file) fs.writeFileSync(file, '');
  }

  count(outcome: Outcome, write = true): number {
    return this.exchanges.filter((x) => x.outcome === outcome && (!write || x.method !== 'GET')).length;
  }

  /** Acknowledged writes by operation; refusals by operation and answer (`patch 409 invalid_state`, `create ECONNREFUSED`). */
  breakdown(): { byOp: Record<string, number>; refusals: Record<string, number> } {
    const byOp: Record<string, number> = {};
    const refusals: Record<string, number> = {};
    for (const x of this.exchanges) {
      if (x.outcome === 'ack') byOp[x.op] = (byOp[x.op] ?? 0) + 1;
      const why = `${x.op} ${x.status === null ? x.error : `${x.status} ${x.answer?.error?.code ?? ''}`}`;
      if (x.outcome !== 'ack') refusals[why] = (refusals[why] ?? 0) + 1;
    }
    return { byOp, refusals };
  }

  /** One request, recorded with its answer; never throws for a network failure. */
  async send(
    op: string,
    baseUrl: string,
    method: string,
    path: string,
    opts: { token?: string | undefined; json?: unknown } = {},
  ): Promise<Exchange> {
    const headers: Record<string, string> = {};
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const x: Exchange = {
      n: this.exchanges.length + 1,
      op,
      method,
      url: `${baseUrl}/api/v1${path}`,
      body: opts.json ?? null,
      sentAt: Date.now(),
      answeredAt: 0,
      status: null,
      answer: null,
      outcome: 'unknown',
      error: null,
    };
    this.exchanges.push(x);
    try {
      const res = await fetch(x.url, {
        method,
        headers,
        body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
        // A server stuck on a database that went away must not hold a worker forever.
        signal: AbortSignal.timeout(20_000),
      });
      const text = await res.text();
      x.status = res.status;
      try {
        x.answer = text ? JSON.parse(text) : null;
      } catch {
        x.answer = text;
      }
      x.outcome = res.status < 300 ? 'ack' : 'refused';
    } catch (e) {
      x.error = causeCode(e);
      // Refused before a byte was sent: the server cannot have acted on it.
      x.outcome = x.error === 'ECONNREFUSED' ? 'refused' : 'unknown';
    }
    x.answeredAt = Date.now();
    if (this.file && method !== 'GET') fs.appendFileSync(this.file, `${JSON.stringify(x)}\n`);
    return x;
  }
}
