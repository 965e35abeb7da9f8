/**
 * A real webhook receiver for tests: node:http on 127.0.0.1, recording every request as it
 * arrived and answering what the test says (a status, or nothing at all: a hung receiver).
 * Signatures are checked with the `standardwebhooks` package, independent of the server's code.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  contentType: string;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: payloads are inspected field by field
  json: any;
  at: number;
}

/** What to answer a request: a status code, or `hang` (never answer; the sender times out). */
export type Answer = number | 'hang';

export interface Receiver {
  url: string;
  received: Received[];
  /** Decides each answer; default 200. */
  answer: (r: Received) => Answer;
  /** Distinct `webhook-id`s received, in order of first arrival. */
  ids(): string[];
  waitFor<T>(pick: (received: Received[]) => T | undefined | null | false, timeoutMs: number): Promise<T>;
  /** Verify a request's signature with the endpoint's secret (throws when wrong). */
  verify(r: Received, secret: string): unknown;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  const hung = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const r: Received = {
        id: String(req.headers['webhook-id'] ?? ''),
        timestamp: String(req.headers['webhook-timestamp'] ?? ''),
        signature: String(req.headers['webhook-signature'] ?? ''),
        contentType: String(req.headers['content-type'] ?? ''),
        body,
        json: safeJson(body),
        at: Date.now(),
      };
      received.push(r);
      for (const w of waiters) w();
      const answer = receiver.answer(r);
      if (answer === 'hang') {
        hung.add(res);
        return;
      }
      res.writeHead(answer, answer >= 300 && answer < 400 ? { location: 'http://127.0.0.1:1/elsewhere' } : {}).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    answer: () => 200,
    ids: () => [...new Set(received.map((r) => r.id))],
    waitFor(pick, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const v = pick(received);
          if (v !== undefined && v !== null && v !== false) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(v);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver: condition not met within ${timeoutMs} ms (${received.length} requests)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    verify(r, secret) {
      return new Webhook(secret).verify(r.body, {
        'webhook-id': r.id,
        'webhook-timestamp': r.timestamp,
        'webhook-signature': r.signature,
      });
    },
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
