/**
 * The mail channel of the outbox runner (src/outbox/runner.ts): one attempt is one SMTP
 * transaction through nodemailer to `KAIROS_SMTP_URL`. The runner claims the row (one instance
 * per attempt, cluster-wide), retries on `MAIL_RETRY_DELAYS_MS`, and never holds a transaction
 * or the firing path while the SMTP server is slow.
 *
 * `Message-ID` is derived from the outbox row id, the same on every attempt: an attempt the SMTP
 * server accepted just before a `kill -9` (so it is made again) reaches the mailbox as the same
 * message, which mail systems recognise as a duplicate.
 */
import type { Transporter } from 'nodemailer';
import nodemailer from 'nodemailer';
import type { Effects } from '../../db/unit-of-work.ts';
import type { AttemptResult, Channel } from '../../outbox/runner.ts';
import { MAIL_CHANNEL, mayMail } from './mail.consequence.ts';
import type { OutboxRecord } from './outbox.record.ts';

/**
 * After attempt n fails, attempt n+1 waits `MAIL_RETRY_DELAYS_MS[n-1]`: quick at first (an SMTP
 * server restarting), then spread over about half a day; then the mail is `failed`.
 */
export const MAIL_RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000] as const;

/** Per SMTP step; an attempt takes at most about connect + greeting + a few socket waits. */
const SMTP_TIMEOUT_MS = 15_000;

export interface MailTransport {
  /** KAIROS_SMTP_URL (may hold a password: never logged, never in an error message we write). */
  smtpUrl: string;
  /** KAIROS_MAIL_FROM. */
  from: string;
  /** The host of KAIROS_PUBLIC_URL: the right-hand side of every Message-ID. */
  messageIdHost: string;
}

/** `<ml_…@host>`: stable per outbox row. */
export const messageIdOf = (rowId: string, host: string): string => `<${rowId}@${host}>`;

type Row = OutboxRecord & { [column: string]: unknown };

export function mailChannel(t: MailTransport): Channel<Row> {
  const transporter: Transporter = nodemailer.createTransport(t.smtpUrl, {
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
  return {
    name: MAIL_CHANNEL,
    table: 'mailOutbox',
    order: 'createdAt',
    succeeded: 'sent',
    schedule: MAIL_RETRY_DELAYS_MS,
    leaseMs: 8 * SMTP_TIMEOUT_MS,
    concurrency: 4,
    wakesOn: (effects: Effects) => mayMail(effects),
    attempt: (row, signal) => send(transporter, t, row, signal),
  };
}

async function send(transporter: Transporter, t: MailTransport, row: Row, signal: AbortSignal): Promise<AttemptResult> {
  const aborted = new Promise<AttemptResult>((resolve) =>
    signal.addEventListener('abort', () => resolve({ ok: false, error: 'shutting down' }), { once: true }),
  );
  const attempt = transporter
    .sendMail({
      from: t.from,
      to: row.to,
      subject: row.subject,
      text: row.text,
      html: row.html,
      messageId: messageIdOf(row.id, t.messageIdHost),
      headers: { 'Auto-Submitted': 'auto-generated' },
    })
    .then((): AttemptResult => ({ ok: true, set: { sentAt: Date.now() } }))
    .catch((error: unknown): AttemptResult => failure(error));
  return Promise.race([attempt, aborted]);
}

/** A 5xx answer (other than to a login) is permanent: retrying it only annoys the server. */
function failure(error: unknown): AttemptResult {
  const e = error as { message?: string; responseCode?: number; code?: string };
  const message = (e.message ?? String(error)).replace(/\/\/[^@/\s]*@/g, '//***@').slice(0, 500);
  const final = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.code !== 'EAUTH';
  return { ok: false, error: message, final };
}
