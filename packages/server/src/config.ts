/**
 * Environment → a validated, frozen config (SPEC §9). Nothing else reads process.env; a bad
 * value fails at start with a message saying how to fix it.
 */
import { isValidTimeZone, WEBHOOK_TIMEOUT_MS } from '@kairos/core';
import { type AllowedHosts, parseAllowedHosts } from './features/webhooks/allowed-hosts.ts';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly database: string;
  readonly adminEmail: string | null;
  readonly adminPassword: string | null;
  readonly secret: string | null;
  readonly defaultTimezone: string;
  readonly logLevel: string;
  readonly sessionTtlMs: number;
  readonly loginMaxFailures: number;
  readonly loginMaxFailuresPerAddress: number;
  /** Public registrations per client address in a window (SPEC §11). */
  readonly registrationRate: { readonly max: number; readonly windowMs: number };
  /** Fastify's `trustProxy`: which proxies' X-Forwarded-For to believe (off by default). */
  readonly trustProxy: boolean | number | string;
  readonly loginWindowMs: number;
  readonly secureCookies: boolean;
  /** Live streams (SPEC §7): open at once per client address, and in all. */
  readonly streamsPerClient: number;
  readonly streamsMax: number;
  /** Browser origins allowed to call the API cross-site (CORS); none by default. */
  readonly corsOrigins: readonly string[];
  /** Triggers fired per transaction; null: the scheduler's measured default. */
  readonly fireBatch: number | null;
  /** Which webhook targets may be called (SPEC §9, §12). */
  readonly webhookAllowedHosts: AllowedHosts;
  /** How long a webhook attempt waits for an answer (SPEC §12: 10 s); a cluster lease is three times it. */
  readonly webhookTimeoutMs: number;
  /** Where people reach Kairos (links in e-mails), without a trailing slash (SPEC §9). */
  readonly publicUrl: string;
  /** Attendee e-mail (SPEC §14): the SMTP server (null: mails stay in the outbox) and the sender. */
  readonly smtpUrl: string | null;
  readonly mailFrom: string;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name}=${raw}: use a whole number from ${min} to ${max}`);
  return n;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** `60/10m`: at most 60 in any 10 minutes (units s, m, h). */
function rate(env: Env, name: string, fallback: string): { max: number; windowMs: number } {
  const raw = env[name] || fallback;
  const m = /^(\d+)\/(\d+)([smh])$/.exec(raw.trim());
  const max = Number(m?.[1]);
  const windowMs = Number(m?.[2]) * (UNIT_MS[m?.[3] ?? ''] ?? 0);
  if (!m || max < 1 || max > 1_000_000 || windowMs < 1000 || windowMs > 86_400_000) {
    throw new ConfigError(`${name}=${raw}: use COUNT/WINDOW like 60/10m (window in s, m or h, at most 24h)`);
  }
  return { max, windowMs };
}

const IPV4_CIDR = /^(\d{1,3})(\.\d{1,3}){3}(\/\d{1,2})?$/;
const IPV6_CIDR = /^[0-9a-f:.]+(\/\d{1,3})?$/i;

/** `true`, a hop count, or a comma list of addresses/CIDRs; unset or `false`: off. */
function trustProxy(raw: string | undefined): boolean | number | string {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value) && Number(value) <= 100) return Number(value);
  const parts = value.split(',').map((s) => s.trim());
  const bad = parts.find((p) => !(IPV4_CIDR.test(p) || (p.includes(':') && IPV6_CIDR.test(p))));
  if (bad !== undefined) {
    throw new ConfigError(
      `KAIROS_TRUST_PROXY=${raw}: "${bad}" is not an address or CIDR; use true, a hop count, or a list like 127.0.0.1,10.0.0.0/8`,
    );
  }
  return parts.join(',');
}

function allowedHosts(raw: string | undefined): AllowedHosts {
  try {
    return parseAllowedHosts(raw);
  } catch (error) {
    throw new ConfigError(
      `KAIROS_WEBHOOK_ALLOWED_HOSTS=${raw}: ${(error as Error).message}; use external, * or a list like 127.0.0.1,10.0.0.0/8,hooks.example.org`,
    );
  }
}

/** KAIROS_SMTP_URL, KAIROS_MAIL_FROM. Messages never echo the SMTP URL: it may hold a password. */
function mail(env: Env): Pick<Config, 'smtpUrl' | 'mailFrom'> {
  const smtpUrl = env.KAIROS_SMTP_URL || null;
  if (smtpUrl !== null && (!/^smtps?:\/\//.test(smtpUrl) || !URL.canParse(smtpUrl))) {
    throw new ConfigError(
      'KAIROS_SMTP_URL is not an SMTP URL; use smtp://user:password@host:587 or smtps://user:password@host:465',
    );
  }
  const mailFrom = env.KAIROS_MAIL_FROM || 'Kairos <kairos@localhost>';
  if (!mailFrom.includes('@') || /[\r\n]/.test(mailFrom)) {
    throw new ConfigError(`KAIROS_MAIL_FROM=${mailFrom}: use an address like "Kairos <events@example.org>"`);
  }
  return { smtpUrl, mailFrom };
}

/** KAIROS_PUBLIC_URL, else http://HOST:PORT; an http(s) origin with an optional path, no trailing slash. */
function publicUrl(raw: string | undefined, host: string, port: number): string {
  if (!raw) return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const url = URL.canParse(raw) ? new URL(raw) : null;
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash) {
    throw new ConfigError(`KAIROS_PUBLIC_URL=${raw}: use the address people reach Kairos at, like https://events.example.org`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env): Config {
  const defaultTimezone = env.KAIROS_DEFAULT_TIMEZONE || 'UTC';
  if (!isValidTimeZone(defaultTimezone)) {
    throw new ConfigError(`KAIROS_DEFAULT_TIMEZONE=${defaultTimezone} is not an IANA time zone; use a name like Europe/Berlin`);
  }
  const adminEmail = env.KAIROS_ADMIN_EMAIL || null;
  const adminPassword = env.KAIROS_ADMIN_PASSWORD || null;
  if ((adminEmail === null) !== (adminPassword === null)) {
    throw new ConfigError('set both KAIROS_ADMIN_EMAIL and KAIROS_ADMIN_PASSWORD, or neither');
  }
  if (adminPassword !== null && [...adminPassword].length < 12) {
    throw new ConfigError('KAIROS_ADMIN_PASSWORD must be at least 12 characters');
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL=${logLevel}: use one of ${LEVELS.join(', ')}`);
  const secret = env.KAIROS_SECRET || null;
  if (secret !== null && secret.length < 16) throw new ConfigError('KAIROS_SECRET must be at least 16 characters');
  const database = env.KAIROS_DB || './data/kairos.sqlite';
  if (/^postgres(ql)?:\/\//.test(database) && !URL.canParse(database)) {
    throw new ConfigError('KAIROS_DB is not a valid URL; use postgres://user:password@host:5432/database');
  }
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  return Object.freeze({
    port,
    host,
    publicUrl: publicUrl(env.KAIROS_PUBLIC_URL, host, port),
    database,
    adminEmail,
    adminPassword,
    secret,
    defaultTimezone,
    logLevel,
    sessionTtlMs: integer(env, 'KAIROS_SESSION_TTL_HOURS', 12, 1, 24 * 365) * 3_600_000,
    loginMaxFailures: integer(env, 'KAIROS_LOGIN_MAX_FAILURES', 10, 1, 10_000),
    loginMaxFailuresPerAddress: integer(env, 'KAIROS_LOGIN_MAX_FAILURES_PER_ADDRESS', 20, 1, 100_000),
    registrationRate: Object.freeze(rate(env, 'KAIROS_REGISTRATION_RATE', '60/10m')),
    trustProxy: trustProxy(env.KAIROS_TRUST_PROXY),
    loginWindowMs: integer(env, 'KAIROS_LOGIN_WINDOW_MINUTES', 15, 1, 24 * 60) * 60_000,
    secureCookies: env.KAIROS_SECURE_COOKIES === 'true',
    fireBatch: env.KAIROS_FIRE_BATCH ? integer(env, 'KAIROS_FIRE_BATCH', 0, 1, 10_000) : null,
    streamsPerClient: integer(env, 'KAIROS_STREAMS_PER_CLIENT', 20, 1, 1_000_000),
    streamsMax: integer(env, 'KAIROS_STREAMS_MAX', 10_000, 1, 1_000_000),
    webhookAllowedHosts: Object.freeze(allowedHosts(env.KAIROS_WEBHOOK_ALLOWED_HOSTS)),
    webhookTimeoutMs: integer(env, 'KAIROS_WEBHOOK_TIMEOUT_SECONDS', WEBHOOK_TIMEOUT_MS / 1000, 1, 600) * 1000,
    ...mail(env),
    corsOrigins: Object.freeze(
      (env.KAIROS_CORS_ORIGINS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  });
}
