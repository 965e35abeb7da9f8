/**
 * One delivery attempt (SPEC §12): `POST` the stored body, signed as Standard Webhooks specify,
 * to an address the allowed-hosts rule admits, with no redirect followed and 10 s for an answer (KAIROS_WEBHOOK_TIMEOUT_SECONDS).
 *
 * node:http, not fetch: its `lookup` hook lets the host check run on the very addresses the
 * connection then uses, so a name that resolves to a public address at the check and to a
 * private one at connect time (DNS rebinding) is still refused. A fresh connection per attempt
 * (`agent: false`) means every attempt is checked. node:http never follows redirects: a 3xx is
 * a failed attempt like any other non-2xx.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { WEBHOOK_TIMEOUT_MS } from '@kairos/core';
import { Webhook } from 'standardwebhooks';
import type { AttemptResult } from '../../outbox/runner.ts';
import { type AllowedHosts, addressRefusal, hostListed, isIpLiteral } from './allowed-hosts.ts';

export interface Target {
  url: string;
  secret: string;
}

export interface Attempt {
  /** The delivery id: `webhook-id`, the same on every attempt. */
  id: string;
  body: string;
  /** When the attempt is signed (Unix seconds go in `webhook-timestamp`). */
  now: number;
}

class Blocked extends Error {}

/** The three Standard Webhooks headers for this body at this instant. */
export function signatureHeaders(secret: string, a: Attempt): Record<string, string> {
  const timestamp = new Date(a.now);
  return {
    'webhook-id': a.id,
    'webhook-timestamp': String(Math.floor(a.now / 1000)),
    'webhook-signature': new Webhook(secret).sign(a.id, timestamp, a.body),
  };
}

/** A DNS lookup that refuses (as a connection error) any address the rule does not admit. */
function checkedLookup(policy: AllowedHosts): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 4);
      const list = addresses as dns.LookupAddress[];
      for (const a of list) {
        const refusal = addressRefusal(policy, a.address);
        if (refusal) return callback(new Blocked(`${hostname} resolves to ${refusal}`), '', 4);
      }
      const first = list[0];
      if (!first) return callback(new Error(`${hostname} has no address`), '', 4);
      // biome-ignore lint/suspicious/noExplicitAny: the callback's overloads differ by `all`
      if (options.all) return (callback as any)(null, list);
      callback(null, first.address, first.family);
    });
  };
}

/** POST the delivery; never throws. */
export function send(
  target: Target,
  attempt: Attempt,
  policy: AllowedHosts,
  signal: AbortSignal,
  timeoutMs = WEBHOOK_TIMEOUT_MS,
): Promise<AttemptResult> {
  const url = new URL(target.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIpLiteral(host) && !hostListed(policy, host)) {
    const refusal = addressRefusal(policy, host);
    if (refusal) return Promise.resolve(blocked(refusal));
  }
  const lookup = hostListed(policy, host) ? undefined : checkedLookup(policy);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Kairos-Webhooks/1',
    ...signatureHeaders(target.secret, attempt),
  };
  const timeout = AbortSignal.timeout(timeoutMs);
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise<AttemptResult>((resolve) => {
    const req = request(
      url,
      { method: 'POST', headers, agent: false, lookup, signal: AbortSignal.any([signal, timeout]) },
      (res) => {
        const code = res.statusCode ?? 0;
        // The answer's body is not ours to read; drain it so the socket closes.
        res.resume();
        resolve(
          code >= 200 && code < 300
            ? { ok: true, set: { lastStatusCode: code } }
            : { ok: false, error: describeStatus(code, res.headers.location), set: { lastStatusCode: code } },
        );
      },
    );
    req.on('error', (error) => {
      if (error instanceof Blocked || (error as { cause?: unknown }).cause instanceof Blocked) {
        resolve(blocked(error.message));
      } else if (timeout.aborted) {
        resolve({ ok: false, error: `no answer within ${timeoutMs / 1000} s`, set: { lastStatusCode: null } });
      } else {
        resolve({ ok: false, error: `could not connect: ${error.message}`, set: { lastStatusCode: null } });
      }
    });
    req.end(attempt.body);
  });
}

function describeStatus(code: number, location: string | undefined): string {
  if (code >= 300 && code < 400)
    return `answered ${code} (redirect${location ? ` to ${location}` : ''}; redirects are not followed)`;
  return `answered ${code}`;
}

/** A refused target: the attempt fails like any other and is retried on schedule (DNS may change back). */
const blocked = (why: string): AttemptResult => ({
  ok: false,
  error: `blocked: ${why}; see KAIROS_WEBHOOK_ALLOWED_HOSTS`,
  set: { lastStatusCode: null },
});
