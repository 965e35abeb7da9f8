import { formatInstant, formatOptional, type WebhookDeliveryView, type WebhookView } from '@kairos/core';
import type { DeliveryRecord, WebhookRecord } from './webhook.record.ts';

/** An endpoint as the API answers it: never the secret (only the create answer carries it). */
export function toWebhookView(w: WebhookRecord): WebhookView {
  return {
    id: w.id,
    url: w.url,
    types: w.types,
    description: w.description,
    active: w.active,
    createdAt: formatInstant(w.createdAt),
  };
}

export function toDeliveryView(d: DeliveryRecord): WebhookDeliveryView {
  return {
    id: d.id,
    type: d.type,
    seq: d.seq,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    nextAttemptAt: formatOptional(d.nextAttemptAt),
    createdAt: formatInstant(d.createdAt),
  };
}
