/**
 * Builds the whole service from a config — store, migrations, services, scheduler, live hub,
 * HTTP routes — without listening. Tests start it as a real process on a real port (test/support);
 * `main.ts` is the only place that touches the process.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import { databaseClock } from './db/database-clock.ts';
import { migrate } from './db/migrate.ts';
import { openStore } from './db/open.ts';
import type { Store } from './db/store.ts';
import { authRoutes } from './features/auth/auth.routes.ts';
import { AuthService } from './features/auth/auth.service.ts';
import { startSessionPurge } from './features/auth/session-purge.ts';
import { calendarRoutes } from './features/calendar/calendar.routes.ts';
import { CalendarService } from './features/calendar/calendar.service.ts';
import { eventsRoutes } from './features/events/events.routes.ts';
import { EventsService } from './features/events/events.service.ts';
import { countTriggers } from './features/events/triggers.repository.ts';
import { mailRoutes } from './features/mail/mail.routes.ts';
import { MailService } from './features/mail/mail.service.ts';
import { addMailConsequences } from './features/mail/mail.wiring.ts';
import { registrationsRoutes } from './features/registrations/registrations.routes.ts';
import { RegistrationsService } from './features/registrations/registrations.service.ts';
import { ImportService } from './features/transfer/import.service.ts';
import { transferRoutes } from './features/transfer/transfer.routes.ts';
import { usersRoutes } from './features/users/users.routes.ts';
import { webhooksRoutes } from './features/webhooks/webhooks.routes.ts';
import { WebhooksService } from './features/webhooks/webhooks.service.ts';
import { registerAuth } from './http/auth.ts';
import { registerApiDocs } from './http/docs.ts';
import { registerErrorHandling, sendFrameworkError } from './http/errors.ts';
import { loggerOptions } from './http/logging.ts';
import { registerValidation } from './http/validation.ts';
import { webRoutes } from './http/web.ts';
import { LiveHub } from './live/hub.ts';
import { streamRoutes } from './live/stream.routes.ts';
import { createMetrics, type Metrics, registerWriteMetrics } from './ops/metrics.ts';
import { opsRoutes, schedulerRoutes } from './ops/ops.routes.ts';
import { ClusterScheduler } from './scheduler/cluster/cluster-scheduler.ts';
import { EmbeddedScheduler } from './scheduler/embedded/embedded-scheduler.ts';
import type { Scheduler } from './scheduler/scheduler.ts';
import { FiringStats } from './scheduler/stats.ts';

export const BODY_LIMIT = 100 * 1024;
/**
 * The web app is one script and one stylesheet from our own origin (the Vite build inlines
 * nothing; React sets styles through the DOM, which CSP does not govern), so nothing inline
 * and nothing from elsewhere is needed. No `upgrade-insecure-requests`: Kairos is often
 * reached over plain HTTP on a LAN address, where it would break every asset.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};
/** SPEC §7: a client that stops reading is dropped once about 1 MB is buffered for it. */
export const STREAM_MAX_BUFFERED_BYTES = 1024 * 1024;

export interface Kairos {
  app: FastifyInstance;
  store: Store;
  scheduler: Scheduler;
  hub: LiveHub;
  auth: AuthService;
  events: EventsService;
  webhooks: WebhooksService;
  metrics: Metrics;
  log: Logger;
  /** The admin password generated on first start, to print once; null otherwise. */
  generatedAdmin: { email: string; password: string } | null;
  /** Start the scheduler (firing what was missed first); the app is then ready. */
  start(): Promise<void>;
}

export interface BuildOptions {
  clock?: Clock;
}

export async function buildKairos(config: Config, options: BuildOptions = {}): Promise<Kairos> {
  const store = await openStore(config.database);
  await migrate(store);
  // Cluster instances tell time by the database, so clocks that disagree cannot fire early or late.
  const dbClock = !options.clock && store.dialect === 'postgres' ? await databaseClock(store.db) : null;
  const clock = options.clock ?? dbClock?.clock ?? systemClock;

  const app = Fastify({
    logger: loggerOptions(config.logLevel),
    bodyLimit: BODY_LIMIT,
    // Off unless configured: the rate limits key on the address this yields (SPEC §9).
    trustProxy: trustProxyOption(config.trustProxy),
    forceCloseConnections: 'idle',
    // The router's own errors (bad percent-encoding, over-long parameter) get the SPEC §6 shape too.
    frameworkErrors: (err, _request, reply) => sendFrameworkError(err, reply),
  }).withTypeProvider<TypeBoxTypeProvider>();
  const log = app.log as unknown as Logger;

  const metrics = createMetrics(() => countTriggers(store.db));
  registerWriteMetrics(metrics.registry, () => store.stats());
  const stats = new FiringStats(metrics);
  const auth = new AuthService({
    store,
    clock,
    secret: config.secret,
    sessionTtlMs: config.sessionTtlMs,
    loginMaxFailures: config.loginMaxFailures,
    loginMaxFailuresPerAddress: config.loginMaxFailuresPerAddress,
    loginWindowMs: config.loginWindowMs,
  });
  await auth.init();
  const ensured = await auth.ensureAdmin(config.adminEmail, config.adminPassword);
  const events = new EventsService({ store, clock, defaultTimezone: config.defaultTimezone });
  const tokens = await addMailConsequences(store, clock, config.publicUrl);
  const registrations = new RegistrationsService({ store, clock, rate: config.registrationRate, tokens });
  const mail = buildMail(config, store, clock, log.child({ component: 'mail' }));
  const webhooksLog = log.child({ component: 'webhooks' });
  const webhooks = new WebhooksService({
    store,
    clock,
    allowedHosts: config.webhookAllowedHosts,
    timeoutMs: config.webhookTimeoutMs,
    events: {
      settled: (row, result) => {
        if (!result.ok)
          webhooksLog.warn({ delivery: row.id, attempts: row.attempts, error: result.error }, 'webhook attempt failed');
      },
      error: (error) => webhooksLog.error({ err: error }, 'webhook runner failed; retrying'),
    },
  });
  const schedulerDeps = {
    store,
    clock,
    log: log.child({ component: 'scheduler' }),
    stats,
    batchSize: config.fireBatch ?? undefined,
  };
  const scheduler: Scheduler =
    store.dialect === 'postgres'
      ? new ClusterScheduler({ ...schedulerDeps, url: config.database })
      : new EmbeddedScheduler(schedulerDeps);
  const hub = new LiveHub(store, clock, metrics, { maxStreams: config.streamsMax, maxPerClient: config.streamsPerClient }, auth);
  await hub.init();

  registerValidation(app);
  registerErrorHandling(app);
  // JSON only: Fastify's default text/plain parser would hand a string to the schemas (400, not 415).
  app.removeContentTypeParser('text/plain');
  // Helmet's headers, built once: @fastify/helmet called helmet() anew on every request, parsing
  // the policy each time (about 0.3 ms of CPU per request in the cluster writes profile).
  const securityHeaders = helmet({ contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY } });
  app.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, () => done()));
  await app.register(fastifyCookie);
  // Closed by default: no other origin may call the API from a browser unless listed.
  await app.register(fastifyCors, { origin: config.corsOrigins.length > 0 ? [...config.corsOrigins] : false, credentials: true });
  registerAuth(app, auth);
  app.addHook('onResponse', async (request, reply) => {
    metrics.requests.inc({
      method: request.method,
      route: request.routeOptions.url ?? 'unknown',
      status: String(reply.statusCode),
    });
  });

  // Built on the first docs request (http/docs.ts): most processes never serve one.
  const docs = registerApiDocs(
    app,
    {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Kairos API',
          version: '1',
          description: 'Events whose status changes by itself at the moment its dates say.',
        },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: [{ bearer: [] }],
      },
    },
    // The docs page has inline scripts: it gets its own policy allowing exactly those (by hash).
    // Its bundle also adds <style> elements at run time, which no hash can name: inline styles
    // (not scripts) are allowed on the docs page only — a hash beside 'unsafe-inline' would void it.
    {
      staticCSP: true,
      transformStaticCSP: (header) =>
        header.replace(/\s*upgrade-insecure-requests;?/, '').replace(/style-src [^;]*/, "style-src 'self' 'unsafe-inline'"),
    },
  );

  await app.register(
    async (api) => {
      await api.register(authRoutes, { auth, secureCookies: config.secureCookies });
      await api.register(usersRoutes, { auth });
      const importer = new ImportService({ store, clock, events, defaultTimezone: config.defaultTimezone });
      await api.register(transferRoutes, { store, clock, importer });
      await api.register(eventsRoutes, { events, clock });
      await api.register(registrationsRoutes, { registrations });
      await api.register(webhooksRoutes, { webhooks });
      await api.register(mailRoutes, { mail });
      await api.register(calendarRoutes, { calendar: new CalendarService({ events, publicUrl: config.publicUrl }) });
      await api.register(streamRoutes, { hub, store, clock, auth, maxBufferedBytes: STREAM_MAX_BUFFERED_BYTES });
      await api.register(schedulerRoutes, { scheduler });
      api.get('/openapi.json', { schema: { hide: true } }, async () => docs.openapi());
    },
    { prefix: '/api/v1' },
  );
  await app.register(opsRoutes, { store, scheduler, metrics });
  await app.register(webRoutes);

  // Shutdown order: streams get a retry hint, the scheduler finishes its firing, then the database closes.
  app.addHook('preClose', async () => hub.close());
  let stopPurge: (() => Promise<void>) | null = null;
  app.addHook('onClose', async () => {
    await stopPurge?.();
    await scheduler.stop();
    await webhooks.stop();
    await mail.stop();
    dbClock?.stop();
    await store.close();
  });

  return {
    app,
    store,
    scheduler,
    hub,
    auth,
    events,
    webhooks,
    metrics,
    log,
    generatedAdmin: ensured?.generatedPassword ? { email: ensured.email, password: ensured.generatedPassword } : null,
    // Firing first: deliveries of what recovery fires are then attempted like any others.
    start: async () => {
      stopPurge = startSessionPurge({
        store,
        clock,
        onError: (error) => log.warn({ err: error }, 'purging expired sessions failed; retrying in an hour'),
        onPurged: (count) => {
          if (count > 0) log.info({ count }, 'expired sessions deleted');
        },
      });
      await scheduler.start();
      await webhooks.start();
      await mail.start();
    },
  };
}

/** Attendee e-mail (SPEC §14): with an SMTP server, the outbox runner sends what the writes queued. */
function buildMail(config: Config, store: Store, clock: Clock, log: Logger): MailService {
  const transport =
    config.smtpUrl === null
      ? null
      : { smtpUrl: config.smtpUrl, from: config.mailFrom, messageIdHost: new URL(config.publicUrl).hostname };
  if (!transport) log.info('KAIROS_SMTP_URL is not set: attendee mails stay in the outbox, unsent');
  return new MailService({
    store,
    clock,
    transport,
    events: {
      settled: (row, result) => {
        // The row id and the error only: never the address's token link, never the SMTP URL.
        if (!result.ok) log.warn({ mail: row.id, attempts: row.attempts, error: result.error }, 'mail attempt failed');
      },
      error: (error) => log.error({ err: error }, 'mail runner failed; retrying'),
    },
  });
}

/** A hop count as the trust function Fastify builds for one (its types accept only the function). */
function trustProxyOption(trust: Config['trustProxy']): boolean | string | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}
