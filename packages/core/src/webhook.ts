/**
 * Webhooks (SPEC §12): the types an endpoint may receive, the retry schedule, and the shapes the
 * admin API takes and answers. The server, the web page and the CLI share these.
 */
import Type, { type Static } from 'typebox';
import { KairosError } from './errors.ts';
import { REGISTRATION_LIVE_TYPES } from './live.ts';
import { InstantString, Nullable } from './schema.ts';

export const WEBHOOK_TYPES = [
  'transition',
  'event.created',
  'event.updated',
  'event.deleted',
  ...REGISTRATION_LIVE_TYPES,
] as const;
export type WebhookType = (typeof WEBHOOK_TYPES)[number];

/** Retry delays after the 1st, 2nd, … failed attempt (SPEC §12); after the last, the delivery has failed. */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];
/** A delivery succeeds on a 2xx answered within this. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export const WEBHOOK_LIMITS = { url: 2000, description: 500 } as const;

const TypesField = Type.Array(Type.Enum(WEBHOOK_TYPES), {
  minItems: 1,
  uniqueItems: true,
  description: 'what to send; every type when absent',
});
const UrlField = Type.String({ minLength: 1, maxLength: WEBHOOK_LIMITS.url, examples: ['https://example.org/kairos-hook'] });
const DescriptionField = Type.String({ maxLength: WEBHOOK_LIMITS.description });

export const WebhookCreateBody = Type.Object(
  { url: UrlField, types: Type.Optional(TypesField), description: Type.Optional(DescriptionField) },
  { additionalProperties: false },
);
export type WebhookCreateBody = Static<typeof WebhookCreateBody>;

export const WebhookPatchBody = Type.Object(
  {
    url: Type.Optional(UrlField),
    types: Type.Optional(TypesField),
    description: Type.Optional(Nullable(DescriptionField)),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type WebhookPatchBody = Static<typeof WebhookPatchBody>;

export const WebhookView = Type.Object({
  id: Type.String(),
  url: Type.String(),
  types: Type.Array(Type.Enum(WEBHOOK_TYPES)),
  description: Nullable(Type.String()),
  active: Type.Boolean(),
  createdAt: InstantString,
});
export type WebhookView = Static<typeof WebhookView>;

/** The answer to `POST /webhooks`: the only time the secret is shown. */
export const WebhookCreated = Type.Object({
  ...WebhookView.properties,
  secret: Type.String({ description: '`whsec_` + base64 signing key (Standard Webhooks); shown only here' }),
});
export type WebhookCreated = Static<typeof WebhookCreated>;

export const WebhookDeliveryView = Type.Object({
  id: Type.String({ description: 'also the `webhook-id` header: the receiver’s idempotency key' }),
  type: Type.Enum(WEBHOOK_TYPES),
  seq: Nullable(Type.Integer({ description: 'the history seq; null for registration types' })),
  status: Type.Enum(WEBHOOK_DELIVERY_STATUSES),
  attempts: Type.Integer(),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  nextAttemptAt: Nullable(InstantString),
  createdAt: InstantString,
});
export type WebhookDeliveryView = Static<typeof WebhookDeliveryView>;

/** A target URL's shape (the host rule is the server's: it needs DNS and configuration). */
export function checkWebhookUrl(raw: string): URL {
  const bad = (message: string) => new KairosError('validation_failed', `url ${message}`, [{ path: 'url', message }]);
  if (!URL.canParse(raw)) throw bad('must be an absolute http or https URL');
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad('must use http or https');
  if (url.username || url.password) throw bad('must not hold a user name or password');
  if (!url.hostname) throw bad('must name a host');
  return url;
}
