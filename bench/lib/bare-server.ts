/**
 * The yardstick of the writes row (issue 8): a bare Fastify + better-sqlite3 server inserting the
 * rows a Kairos create writes — an event, its 2 triggers, 1 history entry — in one fsynced
 * transaction per request (WAL, synchronous=FULL), with a JSON schema on the body. No auth, no
 * lifecycle, no stream. `PORT=… DB=… tsx bench/lib/bare-server.ts`; prints `ready` when listening.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import Fastify from 'fastify';

const db = new Database(process.env.DB ?? ':memory:');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`
  create table if not exists events (id text primary key, title text not null, description text, venue text,
    timezone text not null, capacity integer, registration_opens_at integer, registration_closes_at integer,
    starts_at integer not null, ends_at integer not null, certificates_open_at integer, certificates_close_at integer,
    status text not null, phase text not null, version integer not null, created_by text not null,
    created_at integer not null, updated_at integer not null);
  create index if not exists events_starts_at_id on events (starts_at, id);
  create index if not exists events_status on events (status);
  create table if not exists triggers (event_id text not null references events (id) on delete cascade,
    trigger text not null, due_at integer not null, primary key (event_id, trigger));
  create index if not exists triggers_due_at on triggers (due_at, event_id);
  create table if not exists history (seq integer primary key autoincrement, event_id text not null, owner_id text not null,
    at integer not null, cause text not null, actor text, from_status text, from_phase text, to_status text not null,
    to_phase text not null, trigger text, due_at integer, late_ms integer, reason text);
  create index if not exists history_event_seq on history (event_id, seq);
`);
const insertEvent = db.prepare(
  `insert into events (id, title, timezone, starts_at, ends_at, status, phase, version, created_by, created_at, updated_at)
   values (?, ?, 'UTC', ?, ?, 'upcoming', 'scheduled', 1, 'bench', ?, ?)`,
);
const insertTrigger = db.prepare('insert into triggers (event_id, trigger, due_at) values (?, ?, ?)');
const insertHistory = db.prepare(
  `insert into history (event_id, owner_id, at, cause, actor, to_status, to_phase) values (?, 'bench', ?, 'create', 'bench', 'upcoming', 'scheduled')`,
);
const create = db.transaction((id: string, title: string, startsAt: number, endsAt: number, now: number) => {
  insertEvent.run(id, title, startsAt, endsAt, now, now);
  insertTrigger.run(id, 'event_start', startsAt);
  insertTrigger.run(id, 'event_end', endsAt);
  insertHistory.run(id, now);
});

const app = Fastify({ logger: false });
app.post<{ Body: { title: string; startsAt: string; endsAt: string } }>(
  '/api/v1/events',
  {
    schema: {
      body: {
        type: 'object',
        required: ['title', 'startsAt', 'endsAt'],
        additionalProperties: false,
        properties: {
          title: { type: 'string', minLength: 1, maxLength: 200 },
          startsAt: { type: 'string', format: 'date-time' },
          endsAt: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
  async (request, reply) => {
    const { title, startsAt, endsAt } = request.body;
    const id = `ev_${randomBytes(12).toString('base64url')}`;
    const now = Date.now();
    create(id, title, Date.parse(startsAt), Date.parse(endsAt), now);
    return reply.code(201).send({ id, title, startsAt, endsAt, status: 'upcoming', phase: 'scheduled', version: 1 });
  },
);
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void app.close().then(() => {
    db.close();
    process.exit(0);
  });
});
