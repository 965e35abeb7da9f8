import { loadConfig, migrate, openStore } from '@kairos/server';

/** Open the configured database with migrations applied; the caller closes it. */
export async function openConfigured() {
  const config = loadConfig(process.env);
  const store = openStore(config.database);
  await migrate(store);
  return { config, store };
}

/** Print a one-line error (never a stack for a user mistake) and exit with `code`. */
export function fail(message: string, code = 2): never {
  process.stderr.write(`kairos: ${message}\n`);
  process.exit(code);
}
