import { addMailConsequences, loadConfig, migrate, openStore, systemClock, WebhooksService } from '@kairos/server';

/**
 * Open the configured database with migrations applied; the caller closes it. Writes made here
 * (say `doctor --fix`) report to webhooks like the server's: the service adds its deliveries to
 * each write transaction; a running server notices the commit and makes the attempts. Attendee
 * mail likewise (a repair that opens certificates writes their mails; reminder rows follow).
 */
export async function openConfigured() {
  const config = loadConfig(process.env);
  const store = await openStore(config.database);
  await migrate(store);
  const webhooks = new WebhooksService({ store, clock: systemClock, allowedHosts: config.webhookAllowedHosts });
  await addMailConsequences(store, systemClock, config.publicUrl);
  return { config, store, webhooks };
}

/** Print a one-line error (never a stack for a user mistake) and exit with `code`. */
export function fail(message: string, code = 2): never {
  process.stderr.write(`kairos: ${message}\n`);
  process.exit(code);
}
