/**
 * What a write reports to webhooks (SPEC §12): one delivery per change and subscribed endpoint,
 * its body fixed at creation so every attempt sends the same bytes. `data` is exactly what the
 * stream sends for a history entry (live/messages.ts, with `seq`), or the registration as the
 * API answers it (never its token) for a registration change.
 */
import { randomBytes } from 'node:crypto';
import { formatInstant, liveTypeOf, type WebhookType } from '@kairos/core';
import type { Effects } from '../../db/unit-of-work.ts';
import { toLiveMessage } from '../../live/messages.ts';
import { toRegistrationView } from '../registrations/registration.view.ts';
import type { NewDelivery, WebhookRecord } from './webhook.record.ts';

export const newDeliveryId = (): string => `msg_${randomBytes(16).toString('base64url')}`;

interface Change {
  type: WebhookType;
  seq: number | null;
  at: number;
  data: () => unknown;
}

/** The effects' changes in order: history entries (by seq), then registration changes. */
function changesOf(effects: Effects, now: number): Change[] {
  const changes: Change[] = effects.entries.map(({ entry, event, counts }) => ({
    type: liveTypeOf(entry),
    seq: entry.seq,
    at: entry.at,
    data: () => toLiveMessage(entry, event, now, counts),
  }));
  for (const r of effects.registrations) {
    changes.push({ type: r.type, seq: null, at: r.at, data: () => toRegistrationView(r.registration) });
  }
  return changes;
}

/**
 * The deliveries these effects make for these endpoints, in the order their attempts should
 * start. `seen` is the newest history `seq` the write could see: the position of its
 * registration changes, which have no `seq` of their own.
 */
export function deliveriesFor(effects: Effects, webhooks: readonly WebhookRecord[], now: number, seen: number): NewDelivery[] {
  const out: NewDelivery[] = [];
  for (const change of changesOf(effects, now)) {
    const targets = webhooks.filter((w) => w.types.includes(change.type));
    if (targets.length === 0) continue;
    // One serialisation per change, shared by every endpoint that receives it.
    const body = JSON.stringify({ type: change.type, timestamp: formatInstant(change.at), data: change.data() });
    for (const w of targets) {
      const position = change.seq ?? seen;
      out.push({ id: newDeliveryId(), webhookId: w.id, type: change.type, seq: change.seq, position, body, createdAt: now });
    }
  }
  return out;
}
