import { loadConfig, migrate, openStore } from '@kairos/server';

export async function migrateCommand(): Promise<void> {
  const config = loadConfig(process.env);
  const store = await openStore(config.database);
  try {
    const { applied } = await migrate(store);
    process.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await store.close();
  }
}
