/** Webhooks (SPEC §12) as the server handles them: a leaf module, types only. */
import type { WebhookDeliveryStatus, WebhookType } from '@kairos/core';

export interface WebhookRecord {
  id: string;
  url: string;
  types: WebhookType[];
  description: string | null;
  /** `whsec_` + base64 key: signs every delivery; answered only on create. */
  secret: string;
  active: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface DeliveryRecord {
  ord: number;
  /** `msg_…`: the `webhook-id` header on every attempt. */
  id: string;
  webhookId: string;
  type: WebhookType;
  seq: number | null;
  /** The exact JSON body every attempt sends. */
  body: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  claimedUntil: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  lastAttemptAt: number | null;
  createdAt: number;
}

export type NewDelivery = Pick<DeliveryRecord, 'id' | 'webhookId' | 'type' | 'seq' | 'body' | 'createdAt'> & {
  /** Attempts to one endpoint start in (`position`, insertion) order: see migration 0007. */
  position: number;
};
