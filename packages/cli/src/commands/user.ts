import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { KairosError } from '@kairos/core';
import { AuthService } from '@kairos/server';
import { fail, openConfigured } from './context.ts';

async function promptPassword(): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  // Hide what is typed: echo nothing but the prompt.
  const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
  let prompting = true;
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (!prompting || s.startsWith('Password')) write.call(rl, s);
  };
  const password = await rl.question('Password (at least 12 characters): ');
  prompting = false;
  rl.close();
  process.stdout.write('\n');
  return password;
}

export async function userAdd(opts: { email: string; role: 'admin' | 'organizer'; name?: string }): Promise<void> {
  const { config, store } = await openConfigured();
  try {
    const interactive = process.stdin.isTTY === true;
    const password = interactive ? await promptPassword() : randomBytes(12).toString('base64url');
    const auth = new AuthService({
      store,
      clock: { now: Date.now },
      secret: config.secret,
      sessionTtlMs: config.sessionTtlMs,
      loginMaxFailures: config.loginMaxFailures,
      loginMaxFailuresPerAddress: config.loginMaxFailuresPerAddress,
      loginWindowMs: config.loginWindowMs,
    });
    const user = await auth.createUser({ email: opts.email, role: opts.role, name: opts.name, password });
    process.stdout.write(`created ${user.role} ${user.email} (${user.id})\n`);
    if (!interactive) process.stdout.write(`password: ${password}\n(shown once)\n`);
  } catch (error) {
    if (error instanceof KairosError) fail(error.details?.map((d) => `${d.path} ${d.message}`).join('; ') || error.message, 1);
    throw error;
  } finally {
    await store.close();
  }
}
