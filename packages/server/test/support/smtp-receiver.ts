/**
 * A real SMTP server inside the test (the `smtp-server` package on 127.0.0.1), parsing what it
 * accepts with `mailparser`. It can refuse the next attempts (451, a temporary failure) or hold
 * the next message unanswered (to kill the sender between its commit and the SMTP server's OK).
 */
import { type AddressObject, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  messageId: string;
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  receivedAt: number;
}

export class SmtpReceiver {
  readonly accepted: ReceivedMail[] = [];
  /** Message-IDs of every DATA received, accepted or not (an attempt that reached the server). */
  readonly attempts: string[] = [];
  /** Refuse this many more messages with 451. */
  refuse = 0;
  /** Hold the next message: never answer it; `held` resolves with its Message-ID. */
  private holdNext: ((messageId: string) => void) | null = null;
  private server: SMTPServer | null = null;
  port = 0;

  constructor(private readonly credentials: { user: string; pass: string } | null = null) {}

  async start(): Promise<this> {
    const creds = this.credentials;
    this.server = new SMTPServer({
      logger: false,
      disabledCommands: creds ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !creds,
      allowInsecureAuth: true,
      onAuth: (auth, _session, cb) =>
        creds && auth.username === creds.user && auth.password === creds.pass
          ? cb(null, { user: auth.username })
          : cb(new Error('invalid login')),
      onData: (stream, _session, cb) => {
        void simpleParser(stream).then(
          (mail) => this.onMail(mail, cb),
          (error: Error) => cb(error),
        );
      },
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  get url(): string {
    return this.credentials
      ? `smtp://${this.credentials.user}:${this.credentials.pass}@127.0.0.1:${this.port}`
      : `smtp://127.0.0.1:${this.port}`;
  }

  /** The next message is held unanswered; resolves with its Message-ID when it arrives. */
  holdNextMessage(): Promise<string> {
    return new Promise((resolve) => {
      this.holdNext = resolve;
    });
  }

  private onMail(mail: Awaited<ReturnType<typeof simpleParser>>, cb: (error?: Error | null) => void): void {
    const messageId = mail.messageId ?? '';
    this.attempts.push(messageId);
    const hold = this.holdNext;
    if (hold) {
      this.holdNext = null;
      hold(messageId);
      return; // never answered: the client waits until its process dies
    }
    if (this.refuse > 0) {
      this.refuse -= 1;
      const error = new Error('try again later') as Error & { responseCode: number };
      error.responseCode = 451;
      cb(error);
      return;
    }
    const addresses = (a: AddressObject | AddressObject[] | undefined) =>
      (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address ?? '')).join(',');
    this.accepted.push({
      messageId,
      to: addresses(mail.to),
      from: addresses(mail.from),
      subject: mail.subject ?? '',
      text: mail.text ?? '',
      html: typeof mail.html === 'string' ? mail.html : '',
      receivedAt: Date.now(),
    });
    cb();
  }

  /** Accepted mails to `to` (all when absent). */
  to(to: string): ReceivedMail[] {
    return this.accepted.filter((m) => m.to === to);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
