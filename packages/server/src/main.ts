/**
 * `kairos serve`: the only code that touches the process — config from the environment,
 * listening, and a graceful stop on SIGTERM/SIGINT (stop accepting, finish in-flight requests,
 * close streams with a retry hint, stop the scheduler, close the database; bounded by 10 s).
 */
import { buildKairos } from './app.ts';
import { loadConfig } from './config.ts';

const SHUTDOWN_LIMIT_MS = 9_000;

export async function serve(env: Record<string, string | undefined> = process.env): Promise<void> {
  const config = loadConfig(env);
  const kairos = await buildKairos(config);
  const { app, log } = kairos;
  if (kairos.generatedAdmin) {
    // Printed once, to the terminal only: never through the logger.
    process.stdout.write(
      `\n  First start: created admin ${kairos.generatedAdmin.email} with password ${kairos.generatedAdmin.password}\n  (shown once; set KAIROS_ADMIN_EMAIL and KAIROS_ADMIN_PASSWORD to choose your own)\n\n`,
    );
  }
  await kairos.start();
  await app.listen({ port: config.port, host: config.host });
  log.info({ mode: kairos.scheduler.mode, database: redactUrl(config.database) }, 'kairos ready');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    force.unref();
    app.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** Never log a database password. */
export const redactUrl = (url: string): string => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
