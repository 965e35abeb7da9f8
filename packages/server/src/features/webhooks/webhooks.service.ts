/**
 * Webhook use cases (SPEC §12): endpoints (admin), the deliveries every write creates in its own
 * transaction (a store consequence), and their attempts through the outbox runner.
 */

import { randomBytes } from 'node:crypto';
import dns from 'node:dns/promises';
import {
  checkWebhookUrl,
  KairosError,
  WEBHOOK_RETRY_DELAYS_MS,
  WEBHOOK_TIMEOUT_MS,
  WEBHOOK_TYPES,
  type WebhookCreateBody,
  type WebhookPatchBody,
} from '@kairos/core';
import type { Clock } from '../../clock.ts';
import type { Store } from '../../db/store.ts';
import type { Effects, Tx } from '../../db/unit-of-work.ts';
import { type Channel, OutboxRunner, type RunnerEvents } from '../../outbox/runner.ts';
import { lastSeq } from '../history/history.repository.ts';
import { type AllowedHosts, addressRefusal, hostListed, isIpLiteral } from './allowed-hosts.ts';
import { deliveriesFor } from './webhook.payloads.ts';
import type { DeliveryRecord, WebhookRecord } from './webhook.record.ts';
import { send } from './webhook.sender.ts';
import {
  activeWebhooks,
  deleteWebhook,
  findDelivery,
  findWebhook,
  insertDeliveries,
  insertWebhook,
  listDeliveries,
  listWebhooks,
  retryDelivery,
  updateWebhook,
  webhookOfDelivery,
} from './webhooks.repository.ts';

export interface WebhooksDeps {
  store: Store;
  clock: Clock;
  allowedHosts: AllowedHosts;
  /** How long an attempt waits for an answer; the SPEC's 10 s unless configured. */
  timeoutMs?: number;
  /** Outcomes and runner errors, for the log. */
  events?: RunnerEvents;
}

const notFound = () => new KairosError('not_found', 'webhook not found');
const newWebhookId = (): string => `wh_${randomBytes(12).toString('base64url')}`;
/** Standard Webhooks: `whsec_` + base64 of the key; 32 random bytes (SPEC asks 24 or more). */
export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;
const urlError = (message: string) => new KairosError('validation_failed', `url ${message}`, [{ path: 'url', message }]);

/** How long registration waits for DNS before judging the name by what it is. */
const RESOLVE_TIMEOUT_MS = 3000;

/** The outbox channel's name. */
const WEBHOOKS = 'webhooks';

export class WebhooksService {
  readonly runner: OutboxRunner;
  /** The effects of writes that created deliveries: those commits wake the runner. */
  private readonly created = new WeakSet<Effects>();
  /** The active endpoints as read at a generation of the table (see `active`). */
  private endpoints: { generation: string; webhooks: WebhookRecord[] } | null = null;

  constructor(private readonly deps: WebhooksDeps) {
    deps.store.addConsequence((tx) => this.report(tx));
    this.runner = new OutboxRunner(deps.store, deps.clock, this.channel(), deps.events);
  }

  start(): Promise<void> {
    return this.runner.start();
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  /** Runs in every write transaction: the deliveries of what it changed commit with it. */
  private async report(tx: Tx): Promise<void> {
    const { effects } = tx;
    if (effects.entries.length === 0 && effects.registrations.length === 0) return;
    const webhooks = await this.active(tx);
    if (webhooks.length === 0) return;
    // The entries' seq, from a statement the write may have held back for its COMMIT.
    await tx.flush?.();
    const last = effects.entries.at(-1)?.entry.seq;
    const seen = last ?? (await lastSeq(tx.db));
    const rows = deliveriesFor(effects, webhooks, this.deps.clock.now(), seen);
    if (rows.length === 0) return;
    await insertDeliveries(tx.db, rows);
    this.created.add(effects);
    effects.outboxes.add(WEBHOOKS);
  }

  /**
   * The active endpoints. On PostgreSQL, this instance's copy while the table's generation, read
   * by the write with its BEGIN, is the one the copy was read at (`Tx.webhooksGeneration`); the copy is
   * read after the generation in the same transaction, so it is never older than it. SQLite
   * reads the table: in-process, microseconds.
   */
  private async active(tx: Tx): Promise<WebhookRecord[]> {
    const generation = tx.webhooksGeneration;
    if (generation !== null && this.endpoints?.generation === generation) return this.endpoints.webhooks;
    const webhooks = await activeWebhooks(tx.db);
    if (generation !== null) this.endpoints = { generation, webhooks };
    return webhooks;
  }

  private channel(): Channel<DeliveryRecord & { [k: string]: unknown }> {
    const { store, clock, allowedHosts } = this.deps;
    const timeoutMs = this.deps.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
    return {
      name: WEBHOOKS,
      table: 'webhookDeliveries',
      partition: 'webhookId',
      // `seq` order (SPEC §12): writes overlap in cluster mode, so not the insertion order alone.
      order: 'position',
      tieBreak: 'ord',
      orderedBy: 'history_seq_seq',
      succeeded: 'succeeded',
      schedule: WEBHOOK_RETRY_DELAYS_MS,
      // An attempt ends within its timeout (plus DNS); three times that before another instance may retry.
      leaseMs: 3 * timeoutMs,
      // Receivers are other people's servers: a few at once, each endpoint one at a time (partition).
      concurrency: 8,
      wakesOn: (effects) => this.created.has(effects),
      attempt: async (row, signal) => {
        const now = clock.now();
        const target = await webhookOfDelivery(store.db, row.webhookId);
        if (!target) return { ok: false, final: true, error: 'the endpoint was deleted' };
        if (!target.active) return { ok: false, final: true, error: 'the endpoint is inactive', set: { lastAttemptAt: now } };
        const result = await send(target, { id: row.id, body: row.body, now }, allowedHosts, signal, timeoutMs);
        return { ...result, set: { ...result.set, lastAttemptAt: now } };
      },
    };
  }

  /** The host rule at registration; delivery checks again on the addresses it connects to. */
  private async checkTarget(raw: string): Promise<string> {
    const url = checkWebhookUrl(raw);
    const policy = this.deps.allowedHosts;
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (hostListed(policy, host)) return url.toString();
    if (isIpLiteral(host)) {
      const refusal = addressRefusal(policy, host);
      if (refusal) throw urlError(`host is not allowed: ${refusal} (KAIROS_WEBHOOK_ALLOWED_HOSTS)`);
      return url.toString();
    }
    const addresses = await resolve(host);
    if (addresses === null) {
      // Unresolvable now (say, DNS not set up yet): a public name may still be right; a list
      // admits only what it names.
      if (policy.kind === 'external') return url.toString();
      throw urlError(`host ${host} does not resolve and is not listed in KAIROS_WEBHOOK_ALLOWED_HOSTS`);
    }
    for (const address of addresses) {
      const refusal = addressRefusal(policy, address);
      if (refusal) throw urlError(`host is not allowed: ${host} resolves to ${refusal} (KAIROS_WEBHOOK_ALLOWED_HOSTS)`);
    }
    return url.toString();
  }

  async create(body: WebhookCreateBody): Promise<WebhookRecord> {
    const url = await this.checkTarget(body.url);
    const now = this.deps.clock.now();
    const webhook: WebhookRecord = {
      id: newWebhookId(),
      url,
      types: body.types ?? [...WEBHOOK_TYPES],
      description: body.description?.trim() || null,
      secret: newSecret(),
      active: true,
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.store.write((tx) => insertWebhook(tx.db, webhook));
    return webhook;
  }

  list(): Promise<WebhookRecord[]> {
    return listWebhooks(this.deps.store.db);
  }

  async get(id: string): Promise<WebhookRecord> {
    const w = await findWebhook(this.deps.store.db, id);
    if (!w) throw notFound();
    return w;
  }

  async update(id: string, body: WebhookPatchBody): Promise<WebhookRecord> {
    const url = body.url === undefined ? undefined : await this.checkTarget(body.url);
    return this.deps.store.write(async (tx) => {
      const w = await findWebhook(tx.db, id);
      if (!w) throw notFound();
      const next: WebhookRecord = {
        ...w,
        url: url ?? w.url,
        types: body.types ?? w.types,
        description: body.description === undefined ? w.description : body.description?.trim() || null,
        active: body.active ?? w.active,
        updatedAt: this.deps.clock.now(),
      };
      await updateWebhook(tx.db, next);
      return next;
    });
  }

  async remove(id: string): Promise<void> {
    const gone = await this.deps.store.write((tx) => deleteWebhook(tx.db, id));
    if (!gone) throw notFound();
  }

  /** Newest first; `beforeOrd` is the cursor. */
  async deliveries(id: string, beforeOrd: number | null, limit: number): Promise<DeliveryRecord[]> {
    await this.get(id);
    return listDeliveries(this.deps.store.db, id, beforeOrd, limit);
  }

  /** Attempt again now (also a succeeded or failed one); not while an attempt is in flight. */
  async retry(id: string, deliveryId: string): Promise<DeliveryRecord> {
    const { store, clock } = this.deps;
    const updated = await store.write(
      async (tx) => {
        const d = await findDelivery(tx.db, id, deliveryId);
        if (!d) throw new KairosError('not_found', 'delivery not found');
        const now = clock.now();
        if (d.claimedUntil !== null && d.claimedUntil > now) throw new KairosError('invalid_state', 'an attempt is in flight');
        await retryDelivery(tx.db, d.id, now);
        tx.effects.outboxes.add(WEBHOOKS);
        return { ...d, status: 'pending' as const, nextAttemptAt: now };
        // Reads the lease and changes the row: takes turns with the runners' claims.
      },
      { lock: 'outbox' },
    );
    this.runner.wake();
    return updated;
  }
}

async function resolve(host: string): Promise<string[] | null> {
  const timeout = new Promise<null>((r) => setTimeout(() => r(null), RESOLVE_TIMEOUT_MS).unref());
  const lookup = dns.lookup(host, { all: true }).then(
    (list) => list.map((a) => a.address),
    () => null,
  );
  return Promise.race([lookup, timeout]);
}
