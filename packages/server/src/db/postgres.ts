/**
 * Cluster mode's store: PostgreSQL shared by any number of `kairos serve` instances.
 *
 * Writes run concurrently, within an instance and across instances (SPEC §10): no queue, no
 * cluster-wide lock. What a write reads to decide, it locks (`Tx.rowLocks`: the event row
 * `FOR UPDATE`; a firing claims events `SKIP LOCKED`), so two writes of one event take turns and
 * writes of different events do not wait for each other. Docs: docs/decisions/0004-concurrent-cluster-writes.md.
 *
 * History `seq` (a sequence) is then taken in one order and committed in another. The readers
 * that publish in `seq` order (the live hub, stream replay, webhook claims) read only up to
 * `settled(…)`: every write takes its transaction id before anything else, so once every
 * transaction that was running when a sequence value was read has ended, no row at or below that
 * value can still appear (see `settled`).
 *
 * Each write also sends `NOTIFY kairos_commits, '<instance id>'` (right after its commit); every
 * instance LISTENs on a dedicated connection and tells its `onExternalCommit` listeners about
 * commits of other instances, so live updates and the exact timers follow writes made anywhere.
 */
import { randomUUID } from 'node:crypto';
import { IMPORT_ID, KairosError } from '@kairos/core';
import { CamelCasePlugin, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { held, isPreparedMismatch, isStalePlan, message, preparedPool, type Statement } from './prepared.ts';
import type { Database } from './schema.ts';
import {
  type CommitListener,
  type Consequence,
  notify,
  ping,
  type SessionCheck,
  type Store,
  subscribeTo,
  type WriteLock,
  type WriteOptions,
  withConsequences,
} from './store.ts';
import { type CommitNotice, type Effects, newEffects, type TriggerJobs } from './unit-of-work.ts';

/** Advisory lock keys, constants shared by all instances: "kairos" in ASCII, and the next one. */
const WRITE_LOCK = 0x6b6169726f73;
const OUTBOX_LOCK = WRITE_LOCK + 1;
const CHANNEL = 'kairos_commits';
const INT8 = 20;
/**
 * PostgreSQL aborted the transaction to break a deadlock (40P01) or a serialization conflict
 * (40001): it changed nothing, and running it again is what the server asks for.
 */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;

/**
 * int8 (bigint instants, `bigserial` seq, count(*)) as a JS number: epoch milliseconds and
 * sequence numbers stay far below 2^53, and both dialects then meet as numbers.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 && format !== 'binary' ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** `jobs` is the job queue that mirrors the triggers table, handed in by whoever composes the store. */
export function openPostgres(url: string, jobs: TriggerJobs): Store {
  const instanceId = randomUUID();
  const pool = new pg.Pool({ connectionString: url, max: 10, types });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // Nor a checked-out one: node-postgres also emits `error` on a client whose connection breaks
  // mid-query, and pg-pool listens only while the client is idle. The query itself rejects (the
  // request fails, its transaction rolls back) and the broken client leaves the pool on release.
  // Without this, a PostgreSQL restart killed every instance (found by the crash torture).
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: preparedPool(pool) }),
    plugins: [new CamelCasePlugin()],
  });
  const listeners = new Set<CommitListener>();
  const consequences = new Set<Consequence>();
  const external = listenForCommits(url, instanceId);
  const running = new Set<Promise<unknown>>();
  const commits = commitWaits(external);
  const stats = { writes: 0, transactions: 0 };
  const looks = new Map<string, Look>();

  const attempt = async <T>(fn: Parameters<Store['write']>[0], options: WriteOptions | undefined): Promise<T> => {
    const effects = newEffects();
    const value = await db.connection().execute(async (conn) => {
      // From the BEGIN message on, any failure rolls back: a message that failed part-way (or a
      // session refused after it) leaves its transaction open on the connection otherwise.
      try {
        const begin = beginMessage(options);
        const { rows } = await sql.raw<{ generation: string | null; viewer?: string | null }>(begin.text).execute(conn);
        const { generation, viewer, ...read } = rows[0] ?? { generation: null };
        const webhooksGeneration = generation ?? null;
        const session = options?.session;
        if (session) {
          if (viewer !== session.role) throw new KairosError('unauthenticated', 'the session ended or changed; sign in again');
          session.verified = true;
        }
        const locked = begin.locked === null ? null : { id: begin.locked, row: begin.read ? read : undefined };
        const result = await withConsequences(
          {
            db: conn,
            effects,
            jobs,
            rowLocks: true,
            reminders: new Map(),
            triggers: new Map(),
            webhooksGeneration,
            locked,
            hold: async (statement, rows) => {
              await sql.raw(held(statement, rows)).execute(conn);
            },
            flush: async () => {
              await sql.raw(message([])).execute(conn);
            },
          },
          fn,
          consequences,
        );
        await commitThenNotify(conn, payloadOf(instanceId, effects));
        return result;
      } catch (error) {
        await sql
          .raw('rollback')
          .execute(conn)
          .catch(() => {});
        throw error;
      }
    });
    stats.writes++;
    stats.transactions++;
    commits.wake();
    for (const listener of listeners) notify(listener, effects);
    return value as T;
  };

  return {
    dialect: 'postgres',
    db,
    jobs,
    ordered: false,
    write(fn, options) {
      const run = (async () => {
        for (let n = 1; ; n++) {
          try {
            return await attempt<Awaited<ReturnType<typeof fn>>>(fn, options);
          } catch (error) {
            const again =
              RETRYABLE.has((error as { code?: string }).code ?? '') || isStalePlan(error) || isPreparedMismatch(error);
            if (n >= MAX_ATTEMPTS || !again) throw error;
          }
        }
      })();
      running.add(run);
      void run.catch(() => {}).finally(() => running.delete(run));
      return run;
    },
    settled: (sequence) => settled(pool, sequence, commits.next),
    settledSoFar: (sequence) => settledSoFar(pool, sequence, looks),
    onCommit: (listener) => subscribeTo(listeners, listener),
    addConsequence: (consequence) => subscribeTo(consequences, consequence),
    onExternalCommit: external.subscribe,
    stats: () => ({ ...stats }),
    ping: () => ping(db),
    async close() {
      listeners.clear();
      await Promise.allSettled([...running]);
      await external.close();
      await db.destroy();
    },
  };
}

/**
 * Whoever waits for older transactions to end (`settled`) is woken by the next commit, this
 * instance's (`wake`) or another's (through the LISTEN connection, subscribed on the first wait),
 * or else by its timer (`next(ms)`).
 */
function commitWaits(external: ReturnType<typeof listenForCommits>) {
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const done of [...waiters]) done();
  };
  let hearing = false;
  const next = (ms: number): Promise<void> => {
    if (!hearing) {
      hearing = true;
      external.subscribe(wake);
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  };
  return { wake, next };
}

/**
 * A write's first statement, sent with its BEGIN in one round trip (simple protocol, no
 * parameters): take the transaction id (so `settled` can see this write from before it takes any
 * sequence value), and the advisory lock its kind asks for. Every write holds the write lock
 * shared; only `kairos doctor --fix` holds it alone (`all`). It also reads the webhook
 * endpoints' generation (`Tx.webhooksGeneration`), which lets a write skip re-reading them while
 * they did not change: one round trip fewer per write. Its NOTIFY likewise goes with its
 * COMMIT (`commitThenNotify`): two round trips fewer per write than Kysely's transaction around
 * the same statements.
 */
const GENERATION = `(select value from settings where key = 'webhooks.generation') as generation`;
const LOCKS: Record<WriteLock | 'shared', string> = {
  shared: `select pg_current_xact_id(), pg_advisory_xact_lock_shared(${WRITE_LOCK})`,
  all: `select pg_current_xact_id(), pg_advisory_xact_lock(${WRITE_LOCK})`,
  outbox: `select pg_current_xact_id(), pg_advisory_xact_lock_shared(${WRITE_LOCK}), pg_advisory_xact_lock(${OUTBOX_LOCK})`,
};
const LOCK_EVENT = 'select from events where id = $1 for update';
/**
 * The BEGIN message, its statements prepared once per connection (`message`). A write that edits
 * one event (`WriteOptions.event`) also locks its row there, after the advisory lock (as every
 * write takes its locks), in a statement of its own; its read (`WriteOptions.read`), if any,
 * follows in another, beside the webhooks' generation. That read starts after the lock is held,
 * so its snapshot holds every change committed before (an edit that waited for the row behind
 * another reads that one's triggers and registrations, not the ones from before it). Only an id
 * of the shape every event id has (`IMPORT_ID`: 1–64 of `A-Z a-z 0-9 _ -`, which Kairos's own
 * ids also are) is written into the message; any other names no event, and its write reads and
 * locks in statements of its own.
 */
const withGenerations = new Map<string, string>();
/** `read` with the BEGIN's own columns (`beginColumns`) beside its row, and them alone when it finds none. */
function withGeneration(read: Statement, session: SessionCheck | undefined): Statement {
  const args = read.args ?? [];
  const key = session ? `${args.length}|${read.sql}` : read.sql;
  let sql = withGenerations.get(key);
  if (sql === undefined) {
    sql = `select g.*, r.* from (select ${beginColumns(session, args.length + 1)}) g left join lateral (${read.sql}) r on true`;
    if (withGenerations.size < 100) withGenerations.set(key, sql);
  }
  return { sql, args: [...args, ...sessionArgs(session)] };
}

/**
 * What every BEGIN reads besides its locks: the webhooks' generation and, with `session`
 * (`WriteOptions.session`), as column `viewer` the role the request's cached session still grants
 * its user — null once it was revoked, expired, or its user deleted. Its parameters from `$n`.
 */
const beginColumns = (session: SessionCheck | undefined, n: number) =>
  session
    ? `${GENERATION}, (select u.role from sessions s join users u on u.id = s.user_id where s.token_hash = $${n} and s.expires_at > $${n + 1} and u.id = $${n + 2}) as viewer`
    : GENERATION;
const sessionArgs = (s: SessionCheck | undefined) => (s ? [s.tokenHash, s.at, s.userId] : []);

function beginMessage(options: WriteOptions | undefined): { text: string; locked: string | null; read: boolean } {
  const locks = LOCKS[options?.lock ?? 'shared'];
  const event = options?.event;
  const session = options?.session;
  if (event === undefined || !IMPORT_ID.test(event)) {
    const first = { sql: `${locks}, ${beginColumns(session, 1)}`, args: sessionArgs(session) };
    return { text: message([{ sql: 'begin' }, first]), locked: null, read: false };
  }
  const read = options?.read;
  const last = read ? withGeneration(read, session) : { sql: `select ${beginColumns(session, 1)}`, args: sessionArgs(session) };
  return {
    text: message([{ sql: 'begin' }, { sql: locks, args: [] }, { sql: LOCK_EVENT, args: [event] }, last]),
    locked: event,
    read: read !== undefined,
  };
}

/**
 * COMMIT, then the NOTIFY in the same round trip but in a transaction of its own. Inside the
 * write's transaction, a NOTIFY made PostgreSQL run every notifying commit one at a time, WAL
 * flush included: it holds a database-wide lock from the commit's start to its end so that
 * notifications queue in commit order. Twelve connections each committing one inserted row
 * (bench/notify-probe.ts, two runs at load average 2): 1 548–1 710 commits/s so (latency p50
 * 5.8–7.0 ms), 2 859–3 175 with the NOTIFY after the COMMIT (p50 3.3–3.7 ms), 3 237–3 330 with
 * none (p50 3.0–3.3 ms). The NOTIFY's own transaction commits quickly: letting it skip its WAL
 * flush (`synchronous_commit` off) gained nothing more. The notice still arrives after the commit it
 * reports. One is lost only if the writer's backend dies between the two statements; listeners
 * then catch up at their next notice, or at their reconnect when the server went down.
 *
 * A NOTIFY that fails (a full notification queue, 54000) does so after the commit: the write
 * stands, and its listeners elsewhere learn of it from a later notice.
 */
async function commitThenNotify(conn: Kysely<Database>, payload: string): Promise<void> {
  try {
    await sql.raw(message([{ sql: 'commit' }, { sql: 'select pg_notify($1, $2)', args: [CHANNEL, payload] }])).execute(conn);
  } catch (error) {
    if ((error as { code?: string }).code !== NOTIFY_QUEUE_FULL) throw error;
    process.emitWarning('NOTIFY failed after a commit: the notification queue is full');
  }
}

const NOTIFY_QUEUE_FULL = '54000';

/**
 * How far a sequence's rows are final. Read the sequence's last value L, then the next
 * transaction id to be assigned, N. A write that took a value at or below L had taken its
 * transaction id before (`begin`), so below N. Once no transaction of this database below N is
 * still running, every such write has committed or rolled back: no row at or below L can still
 * appear. One round trip when no write is running; otherwise it waits for the writes that were,
 * which are short.
 *
 * Running transactions are read from `pg_stat_activity` for this database only. The first
 * versions compared against the server-wide oldest running transaction (a snapshot's xmin), so a
 * long transaction in another database on the same server — a 1 000-trigger firing of another
 * cluster's test — held back every stream here (messages 2.3 s late). And a snapshot's xmax alone
 * would not do: it is one past the last *completed* id, and a running write's id can lie beyond
 * it — a version that read it lost messages (decision 4).
 */
async function settled(pool: pg.Pool, sequence: string, nextCommit: (ms: number) => Promise<void>): Promise<number> {
  const client = await pool.connect();
  try {
    const first = await look(client, sequence);
    let running = first.running;
    // Look again at the next commit (a write ended: perhaps the one waited for), or after the
    // timer for transactions that do not notify (graphile-worker's); the timer alone, doubling to
    // 50 ms, could look up to 50 ms after the write ended: the tail of the streams' lateness.
    for (let wait = 1; !allFrom(running, first.next); wait = Math.min(wait * 2, 50)) {
      await nextCommit(wait);
      const { rows } = await client.query<{ running: string[] }>(
        `select ${runningBefore(`age('${first.next}'::xid)`)} as running`,
      );
      running = (rows[0]?.running ?? []).map(Number);
    }
    return first.value;
  } finally {
    client.release();
  }
}

/**
 * The 32-bit ids of this database's running transactions (`backend_xid`, readable by any role) —
 * or none when nothing older than N runs anywhere on the server: the snapshot's oldest running
 * id is then at or past N (`nextAge` is N's age: `age` counts back from the next id to be
 * assigned, so a smaller age is younger). That test costs microseconds; reading
 * `pg_stat_activity` costs 0.2–0.7 ms of the server's CPU, so it is read only when the test fails.
 */
const runningBefore = (nextAge: string) => `case when age(pg_snapshot_xmin(pg_current_snapshot())::xid) <= ${nextAge} then '{}'
  else (select coalesce(array_agg(backend_xid::text), '{}') from pg_stat_activity
    where datname = current_database() and backend_xid is not null) end`;

/**
 * Whether every running transaction began at or after `next`: 32-bit ids wrap, so they compare
 * as PostgreSQL's `TransactionIdPrecedes` does, by the sign of their difference modulo 2^32.
 */
function allFrom(running: readonly number[], next: number): boolean {
  return running.every((xid) => ((xid - next) | 0) >= 0);
}

/** One look at a sequence: its last value, the next transaction id after it, and the ones still running. */
interface Look {
  value: number;
  next: number;
  running: number[];
}

async function look(client: pg.PoolClient, sequence: string): Promise<Look> {
  // One simple-protocol message, one round trip; the name is ours, never a user's. Each
  // statement is its own transaction, so N is read after L. With no id of its own, `age`
  // counts from the next id to be assigned: N = age(3) + 3, modulo 2^32 (3 is the first normal
  // id). Nothing is assigned, written or rolled back.
  const results = (await client.query(
    `select case when is_called then last_value else 0 end as value from ${sequence};
     select age('3'::xid) as age, ${runningBefore('0')} as running`,
  )) as unknown as pg.QueryResult[];
  const row = results[1]?.rows[0];
  return {
    value: Number(results[0]?.rows[0]?.value ?? 0),
    next: (Number(row?.age ?? 0) + 3) >>> 0,
    running: ((row?.running ?? []) as string[]).map(Number),
  };
}

/**
 * `settled` without the wait: under a steady stream of writes some older transaction is nearly
 * always running, and waiting cost a poll every few milliseconds. Instead each look is checked
 * by the next one: once every running transaction began at or after the previous look's N, the
 * previous look's value is settled.
 */
async function settledSoFar(pool: pg.Pool, sequence: string, looks: Map<string, Look>): Promise<number | null> {
  const client = await pool.connect();
  try {
    const now = await look(client, sequence);
    const before = looks.get(sequence);
    looks.set(sequence, now);
    if (allFrom(now.running, now.next)) return now.value;
    return before && allFrom(now.running, before.next) ? before.value : null;
  } finally {
    client.release();
  }
}

/**
 * The NOTIFY payload: `<instance id> <h|-><earliest trigger or -> <outbox,…>` — what the commit
 * changed, so that every other instance's listeners wake only for what concerns them (a write
 * anywhere used to cost every instance a trigger query, a history read and two outbox passes).
 */
function payloadOf(instanceId: string, effects: Effects): string {
  const history = effects.entries.length > 0 ? 'h' : '-';
  return `${instanceId} ${history} ${effects.earliestTrigger ?? '-'} ${[...effects.outboxes].join(',')}`;
}

/** Null (look at everything) for a payload it cannot read, such as an older version's bare instance id. */
function noticeOf(payload: string): CommitNotice | null {
  const [, history, earliest, outboxes] = payload.split(' ');
  if (history === undefined || earliest === undefined || outboxes === undefined) return null;
  const at = earliest === '-' ? null : Number(earliest);
  if (at !== null && !Number.isFinite(at)) return null;
  return { history: history === 'h', earliestTrigger: at, outboxes: new Set(outboxes.split(',').filter(Boolean)) };
}

/**
 * One dedicated connection LISTENing for other instances' commits; started by the first
 * subscriber. When it breaks it reconnects after a second and reports a commit, since some may
 * have been missed meanwhile (listeners catch up from the tables, so a spurious call is harmless).
 */
function listenForCommits(url: string, instanceId: string) {
  const subscribers = new Set<(notice: CommitNotice | null) => void>();
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  let closed = false;
  const tell = (notice: CommitNotice | null) => {
    for (const s of subscribers) s(notice);
  };
  const connect = async (reconnected: boolean) => {
    if (closed) return;
    const c = new pg.Client({ connectionString: url });
    client = c;
    const broken = () => {
      if (client !== c) return;
      client = null;
      c.end().catch(() => {});
      if (!closed) {
        retry = setTimeout(() => {
          retry = null;
          void connect(true);
        }, 1000);
      }
    };
    c.on('error', broken);
    c.on('end', broken);
    c.on('notification', (msg) => {
      const payload = msg.payload ?? '';
      if (msg.channel === CHANNEL && payload !== instanceId && !payload.startsWith(`${instanceId} `)) tell(noticeOf(payload));
    });
    try {
      await c.connect();
      await c.query(`listen ${CHANNEL}`);
      if (reconnected) tell(null);
    } catch {
      broken();
    }
  };
  return {
    subscribe(listener: (notice: CommitNotice | null) => void): () => void {
      subscribers.add(listener);
      if (!client && !retry && !closed) void connect(false);
      return () => subscribers.delete(listener);
    },
    async close(): Promise<void> {
      closed = true;
      subscribers.clear();
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
