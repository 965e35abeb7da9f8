/**
 * The `kairos` command beyond `serve` and `doctor`: the first-start admin (SPEC §9), `user add`
 * and `migrate`, each run as a real process on a real database file.
 */
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { runCli, SOURCE_BIN, stopAll, TestServer, tempDir } from './support/server.ts';

afterAll(stopAll);

test('first start with no user and no configured admin creates admin@localhost and prints its password once', async () => {
  const dbPath = path.join(tempDir(), 'first.sqlite');
  // No KAIROS_ADMIN_*: the harness sets them by default, so blank them out.
  const server = new TestServer(dbPath, { KAIROS_ADMIN_EMAIL: '', KAIROS_ADMIN_PASSWORD: '' });
  server.adminToken = 'unused';
  await server.start();
  const printed = /created admin admin@localhost with password (\S+)/.exec(server.output);
  expect(printed).not.toBeNull();
  const password = printed?.[1] ?? '';
  const login = await server.api('POST', '/auth/login', { json: { email: 'admin@localhost', password } });
  expect(login.status).toBe(200);
  expect(login.json.user.role).toBe('admin');
  // The password is printed to the terminal, never into the JSON logs.
  const logLines = server.output.split('\n').filter((l) => l.startsWith('{'));
  expect(logLines.some((l) => l.includes(password))).toBe(false);

  await server.stop();
  server.output = '';
  await server.start();
  expect(server.output).not.toMatch(/created admin/);
  expect((await server.api('POST', '/auth/login', { json: { email: 'admin@localhost', password } })).status).toBe(200);
});

test('user add creates an account; without a terminal it generates and prints the password', async () => {
  const dbPath = path.join(tempDir(), 'users.sqlite');
  // The command as users run it, from source (every other start here uses the test bundle).
  const migrate = await runCli(['migrate'], { KAIROS_DB: dbPath }, 60_000, SOURCE_BIN);
  expect(migrate.code).toBe(0);
  expect(migrate.stdout).toMatch(/applied 0001_init/);
  expect((await runCli(['migrate'], { KAIROS_DB: dbPath })).stdout).toMatch(/up to date/);

  const added = await runCli(['user', 'add', '--email', 'Org@Example.test', '--role', 'organizer', '--name', 'Orga'], {
    KAIROS_DB: dbPath,
  });
  expect(added.code).toBe(0);
  const password = /password: (\S+)/.exec(added.stdout)?.[1] ?? '';
  expect(password.length).toBeGreaterThanOrEqual(12);

  const again = await runCli(['user', 'add', '--email', 'org@example.test', '--role', 'organizer'], { KAIROS_DB: dbPath });
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(/already taken/);
  const badRole = await runCli(['user', 'add', '--email', 'x@example.test', '--role', 'root'], { KAIROS_DB: dbPath });
  expect(badRole.code).not.toBe(0);
  expect(badRole.stderr).toMatch(/admin, organizer/);

  const server = await new TestServer(dbPath, {}).start();
  const login = await server.api('POST', '/auth/login', { json: { email: 'org@example.test', password } });
  expect(login.status).toBe(200);
  expect(login.json.user).toMatchObject({ email: 'org@example.test', name: 'Orga', role: 'organizer' });
});

test('a bad configuration stops the start with a message saying how to fix it', async () => {
  const r = await runCli(['serve'], { KAIROS_DB: path.join(tempDir(), 'bad.sqlite'), KAIROS_DEFAULT_TIMEZONE: 'Mars/Olympus' });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/KAIROS_DEFAULT_TIMEZONE=Mars\/Olympus is not an IANA time zone/);
});
