/**
 * `kairos doctor` (SPEC §8) beside a live `kairos serve`: clean on a healthy database; after the
 * triggers table and a status are corrupted behind the server's back it names every problem
 * (missing, stale and orphan triggers, status drift) and exits 1; `--fix` repairs them in one
 * transaction, after which it is clean again and the database is what the server had written.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEvent } from './support/fixtures.ts';
import { runCli, startServer, stopAll, type TestServer } from './support/server.ts';

interface Problem {
  kind: string;
  eventId: string;
  trigger: string | null;
  detail: string;
}

interface TriggerRow {
  event_id: string;
  trigger: string;
  due_at: number;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

let server: TestServer;
let db: Database.Database;
const ids = { full: '', simple: '', open: '', past: '', draft: '' };

const doctor = (...args: string[]) => runCli(['doctor', ...args], { KAIROS_DB: server.dbPath });

async function doctorJson(...args: string[]) {
  const r = await doctor(...args, '--json');
  let report: { ok: boolean; checkedEvents: number; problems: Problem[]; fixed: number } | undefined;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    report = undefined;
  }
  if (report === undefined)
    throw new Error(`doctor ${args.join(' ')} --json printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return { ...r, report };
}

const key = (p: { kind: string; eventId: string; trigger: string | null }) => `${p.kind} ${p.eventId} ${p.trigger ?? '-'}`;
const triggersOf = (): TriggerRow[] =>
  db.prepare('select event_id, trigger, due_at from triggers order by event_id, trigger').all() as TriggerRow[];

const create = async (body: Record<string, unknown>): Promise<string> => (await createEvent(server, body)).id;

beforeAll(async () => {
  server = await startServer();
  const now = Date.now();
  const at = (ms: number) => new Date(ms).toISOString();
  // Every boundary in the future: six triggers.
  ids.full = await create({
    title: 'Full future event',
    registrationOpensAt: at(now + 10 * DAY),
    registrationClosesAt: at(now + 20 * DAY),
    startsAt: at(now + 30 * DAY),
    endsAt: at(now + 30 * DAY + 2 * HOUR),
    certificatesOpenAt: at(now + 31 * DAY),
    certificatesCloseAt: at(now + 60 * DAY),
  });
  // Start and end only: two triggers.
  ids.simple = await create({ title: 'Simple future event', startsAt: at(now + 5 * DAY), endsAt: at(now + 6 * DAY) });
  // Registration open now: the opening is history, four triggers remain.
  ids.open = await create({
    title: 'Registration open',
    registrationOpensAt: at(now - DAY),
    registrationClosesAt: at(now + 3 * DAY),
    startsAt: at(now + 4 * DAY),
    endsAt: at(now + 4 * DAY + HOUR),
    certificatesOpenAt: at(now + 5 * DAY),
    certificatesCloseAt: at(now + 9 * DAY),
  });
  // All in the past: completed, no trigger.
  ids.past = await create({ title: 'Past event', startsAt: '2020-03-01T10:00:00Z', endsAt: '2020-03-01T12:00:00Z' });
  // A draft: no trigger whatever its dates.
  ids.draft = await create({ title: 'Draft', draft: true, startsAt: at(now + 7 * DAY), endsAt: at(now + 8 * DAY) });

  db = new Database(server.dbPath, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  // better-sqlite3 enforces foreign keys by default; an orphan trigger needs them off here.
  db.pragma('foreign_keys = OFF');
});

afterAll(async () => {
  db?.close();
  await stopAll();
});

describe('kairos doctor beside a running server', () => {
  let healthy: TriggerRow[] = [];

  test('the events are what the test expects', async () => {
    const past = await server.api('GET', `/events/${ids.past}`, { token: server.adminToken });
    expect(past.json).toMatchObject({ status: 'completed', phase: 'ended' });
    const draft = await server.api('GET', `/events/${ids.draft}`, { token: server.adminToken });
    expect(draft.json).toMatchObject({ status: 'draft', phase: 'draft' });
    const open = await server.api('GET', `/events/${ids.open}`, { token: server.adminToken });
    expect(open.json).toMatchObject({ status: 'upcoming', phase: 'registration_open' });
    healthy = triggersOf();
    const count = (id: string) => healthy.filter((t) => t.event_id === id).length;
    expect([count(ids.full), count(ids.simple), count(ids.open), count(ids.past), count(ids.draft)]).toEqual([6, 2, 5, 0, 0]);
  });

  test('a healthy database: exit 0, ok, no problems', async () => {
    const { code, report, stderr } = await doctorJson();
    expect(code, stderr).toBe(0);
    expect(report).toEqual({ ok: true, checkedEvents: 5, problems: [], fixed: 0 });
    const plain = await doctor();
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/checked 5 event/);
    expect(plain.stdout).toMatch(/clean/);
  });

  test('doctor stays clean while the server takes writes', async () => {
    const now = Date.now();
    let stop = false;
    const writer = (async () => {
      let n = 0;
      while (!stop) {
        n += 1;
        await create({
          title: `Concurrent ${n}`,
          registrationOpensAt: new Date(now + (40 + n) * DAY).toISOString(),
          registrationClosesAt: new Date(now + (41 + n) * DAY).toISOString(),
          startsAt: new Date(now + (42 + n) * DAY).toISOString(),
          endsAt: new Date(now + (43 + n) * DAY).toISOString(),
        });
      }
      return n;
    })();
    try {
      for (let i = 0; i < 4; i++) {
        const { code, report, stderr } = await doctorJson();
        expect(report.problems, stderr).toEqual([]);
        expect(code).toBe(0);
      }
    } finally {
      stop = true;
    }
    expect(await writer).toBeGreaterThan(0);
    healthy = triggersOf();
  });

  test('corruption behind the server’s back: every problem named, exit 1', async () => {
    const simpleEnd = healthy.find((t) => t.event_id === ids.simple && t.trigger === 'event_end');
    expect(simpleEnd).toBeDefined();
    const draftStart = db.prepare('select starts_at from events where id = ?').get(ids.draft) as { starts_at: number };
    const farFuture = Date.now() + 90 * DAY;
    db.transaction(() => {
      // missing_trigger: a pending boundary of an approved event lost its row.
      db.prepare("delete from triggers where event_id = ? and trigger = 'event_start'").run(ids.full);
      // stale_trigger: a draft never has triggers.
      db.prepare("insert into triggers (event_id, trigger, due_at) values (?, 'event_start', ?)").run(
        ids.draft,
        draftStart.starts_at,
      );
      // stale + missing: a trigger due at the wrong instant.
      db.prepare("update triggers set due_at = due_at + 3600000 where event_id = ? and trigger = 'event_end'").run(ids.simple);
      // orphan_trigger: an event that does not exist (foreign keys are off in this connection).
      db.prepare("insert into triggers (event_id, trigger, due_at) values ('ev_ghost', 'event_start', ?)").run(farFuture);
      // status_drift: a past event claims to be upcoming.
      db.prepare("update events set status = 'upcoming', phase = 'scheduled' where id = ?").run(ids.past);
    })();

    const { code, report } = await doctorJson();
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.fixed).toBe(0);
    expect(report.checkedEvents).toBeGreaterThanOrEqual(5);
    const expected = [
      { kind: 'missing_trigger', eventId: ids.full, trigger: 'event_start' },
      { kind: 'stale_trigger', eventId: ids.draft, trigger: 'event_start' },
      { kind: 'stale_trigger', eventId: ids.simple, trigger: 'event_end' },
      { kind: 'missing_trigger', eventId: ids.simple, trigger: 'event_end' },
      { kind: 'orphan_trigger', eventId: 'ev_ghost', trigger: 'event_start' },
      { kind: 'status_drift', eventId: ids.past, trigger: null },
    ];
    expect(report.problems.map(key).sort()).toEqual(expected.map(key).sort());
    for (const p of report.problems) {
      expect(Object.keys(p).sort()).toEqual(['detail', 'eventId', 'kind', 'trigger']);
      expect(p.detail.length).toBeGreaterThan(0);
    }
    const drift = report.problems.find((p) => p.kind === 'status_drift');
    expect(drift?.detail).toMatch(/upcoming/);
    expect(drift?.detail).toMatch(/completed/);

    // The plain report names the same problems.
    const plain = await doctor();
    expect(plain.code).toBe(1);
    for (const p of expected) {
      const line = plain.stdout
        .split('\n')
        .find((l) => l.includes(p.kind) && l.includes(p.eventId) && l.includes(p.trigger ?? ''));
      expect(line, `${key(p)} in:\n${plain.stdout}`).toBeDefined();
    }
    expect(plain.stdout).toMatch(/6 problem/);
    expect(plain.stdout).toMatch(/--fix/);

    // Checking wrote nothing.
    const again = await doctorJson();
    expect(again.code).toBe(1);
    expect(again.report.problems.map(key).sort()).toEqual(expected.map(key).sort());
  });

  test('doctor --fix repairs everything; doctor is clean afterwards', async () => {
    const fix = await doctor('--fix');
    expect(fix.code, fix.stderr).toBe(0);
    expect(fix.stdout).toMatch(/fixed 6 problem/);
    for (const kind of ['missing_trigger', 'stale_trigger', 'orphan_trigger', 'status_drift']) expect(fix.stdout).toContain(kind);

    const after = await doctorJson();
    expect(after.code, after.stderr).toBe(0);
    expect(after.report).toMatchObject({ ok: true, problems: [], fixed: 0 });
    const plain = await doctor();
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/clean/);

    // The triggers are exactly what the server had written before the corruption.
    expect(triggersOf()).toEqual(healthy);
    // The drifted event reads as its dates say, and the repair is in its history.
    const past = await server.api('GET', `/events/${ids.past}`, { token: server.adminToken });
    expect(past.json).toMatchObject({ status: 'completed', phase: 'ended' });
    const history = await server.api('GET', `/events/${ids.past}/history`, { token: server.adminToken });
    const last = history.json.items[history.json.items.length - 1];
    expect(last).toMatchObject({
      cause: 'recovery',
      from: { status: 'upcoming', phase: 'scheduled' },
      to: { status: 'completed', phase: 'ended' },
    });
    // The server is still serving.
    const ready = await server.request('GET', '/readyz');
    expect(ready.status).toBe(200);
  });

  test('doctor --fix on a clean database changes nothing and exits 0', async () => {
    const fix = await doctorJson('--fix');
    expect(fix.code).toBe(0);
    expect(fix.report).toMatchObject({ ok: true, problems: [], fixed: 0 });
    expect(triggersOf()).toEqual(healthy);
  });
});
