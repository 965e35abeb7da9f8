import { ConfigError, serve } from '@kairos/server';
import { fail } from './context.ts';

export async function serveCommand(): Promise<void> {
  try {
    await serve(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}
