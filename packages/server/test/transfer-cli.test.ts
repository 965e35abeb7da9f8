/**
 * `kairos export` and `kairos import` end to end through the real executable on a real database
 * file: reports, exit codes, dry run and --atomic writing nothing, re-import. (The mapping's
 * times, --source-timezone and the round trip are proven over HTTP in transfer.test.ts.)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, test, vi } from 'vitest';
import { KAIROS_BIN, ROOT, runCli, tempDir } from './support/server.ts';

// Each run compiles the sources with tsx first: seconds apiece on a loaded machine.
vi.setConfig({ testTimeout: 180_000 });

const SAMPLE = path.join(ROOT, 'docs/samples/campusconnect.jsonl');
const dir = tempDir('kairos-transfer-cli-');
const env = { KAIROS_DB: path.join(dir, 'cli.sqlite') };

const exported = async (extra: Record<string, string> = {}) => {
  const r = await runCli(['export'], { ...env, ...extra });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
};

beforeAll(async () => {
  const r = await runCli(['user', 'add', '--email', 'importer@example.test', '--role', 'admin'], env);
  expect(r.code, r.stderr).toBe(0);
});

test('a dry run and a refused --atomic import write nothing and exit 1 on rejected records', async () => {
  const dry = await runCli(['import', SAMPLE, '--format', 'campusconnect', '--dry-run', '--json'], env);
  expect(dry.code).toBe(1);
  const report = JSON.parse(dry.stdout);
  expect(report.created).toBe(4);
  expect(report.rejected.map((r: { line: number }) => r.line)).toEqual([5, 6, 7, 8]);
  const atomic = await runCli(['import', SAMPLE, '--format', 'campusconnect', '--atomic'], env);
  expect(atomic.code).toBe(1);
  expect(atomic.stdout).toMatch(/atomic: nothing was created/);
  expect(await exported()).toEqual([]);
});

test('import creates the good records, names each bad line, and a re-import skips; export writes them all', async () => {
  const r = await runCli(['import', SAMPLE, '--format', 'campusconnect'], env);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/^created 4, skipped 0 \(id exists\), rejected 4$/m);
  expect(r.stdout).toMatch(/line 5 \(cc-1005\): startsAt must be at or after registrationClosesAt/);
  expect(r.stdout).toMatch(/line 6 \(cc-1006\): timezone unknown time zone "Asia\/Atlantis"/);
  expect(r.stdout).toMatch(/line 7 \(cc-1007\): title is required/);
  expect(r.stdout).toMatch(/line 8 \(cc-1008\): startsAt start_datetime is not a MongoDB date/);

  const out = path.join(dir, 'export.jsonl');
  const ex = await runCli(['export', '--out', out], env);
  expect(ex.code, ex.stderr).toBe(0);
  expect(ex.stderr).toMatch(/exported 4 event\(s\)/);
  const events = fs
    .readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(events.find((e) => e.id === 'cc-1001')).toMatchObject({
    startsAt: '2027-01-15T04:30:00.000Z',
    timezone: 'Asia/Kolkata',
  });

  // Imported events got their triggers in their own transactions: the doctor finds nothing (I1, I2).
  const doctor = await runCli(['doctor', '--json'], env);
  expect(doctor.code, doctor.stdout).toBe(0);
  expect(JSON.parse(doctor.stdout)).toMatchObject({ ok: true, checkedEvents: 4, problems: [] });

  const again = await runCli(['import', SAMPLE, '--format', 'campusconnect', '--json'], env);
  expect(JSON.parse(again.stdout)).toMatchObject({ created: 0, skipped: 4 });
});

test('an unknown --source-timezone or an account that is not an admin stops with a message', async () => {
  const bad = await runCli(['import', SAMPLE, '--format', 'campusconnect', '--source-timezone', 'Mars/Olympus'], env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--source-timezone Mars\/Olympus is not an IANA time zone/);
  const nobody = await runCli(['import', SAMPLE, '--format', 'campusconnect', '--as', 'nobody@example.test'], env);
  expect(nobody.code).toBe(1);
  expect(nobody.stderr).toMatch(/nobody@example.test is not an admin account/);
});

// `script` (util-linux) runs the command on a pseudo-terminal: the progress bar shows only there.
const hasScript = fs.existsSync('/usr/bin/script');

test.skipIf(!hasScript)('on a terminal the import draws a progress bar; through a pipe it does not', async () => {
  const tty = path.join(dir, 'tty.sqlite');
  expect((await runCli(['user', 'add', '--email', 't@example.test', '--role', 'admin'], { KAIROS_DB: tty })).code).toBe(0);
  const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(KAIROS_BIN)} import ${JSON.stringify(SAMPLE)} --format campusconnect --dry-run`;
  const r = await runScript(cmd, { KAIROS_DB: tty });
  expect(r).toMatch(/importing \[#{30}\] 4\/4 records/);
  const piped = await runCli(['import', SAMPLE, '--format', 'campusconnect', '--dry-run'], { KAIROS_DB: tty });
  expect(piped.stdout + piped.stderr).not.toMatch(/importing \[/);
});

function runScript(command: string, extra: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/script', ['-qec', command, '/dev/null'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', TZ: process.env.TZ ?? 'UTC', HOME: process.env.HOME ?? '/tmp', ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('close', () => resolve(out));
  });
}
