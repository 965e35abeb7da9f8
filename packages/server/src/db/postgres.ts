/**
 * Cluster mode's store: PostgreSQL shared by any number of `kairos serve` instances.
 *
 * Writes are serialised cluster-wide: every write transaction first takes one transaction-scoped
 * advisory lock. History `seq` then increases in commit order across all instances — the live
 * hub fans out strictly by `seq` and would skip a lower seq that committed after a higher one,
 * which two concurrent PostgreSQL transactions could otherwise do. Kairos writes are short (a
 * few rows each), so one lock costs little and rules out deadlocks between writers too.
 *
 * Each write also sends `NOTIFY kairos_commits, '<instance id>'` (delivered at commit); every
 * instance LISTENs on a dedicated connection and tells its `onExternalCommit` listeners about
 * commits of other instances, so live updates and the exact timers follow writes made anywhere.
 */
import { randomUUID } from 'node:crypto';
import { CamelCasePlugin, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { type CommitListener, type Consequence, notify, ping, type Store, subscribeTo, withConsequences } from './store.ts';
import { newEffects, type TriggerJobs } from './unit-of-work.ts';

/** Any constant shared by all instances; "kairos" in ASCII. */
const WRITE_LOCK = 0x6b6169726f73;
const CHANNEL = 'kairos_commits';
const INT8 = 20;

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
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  const listeners = new Set<CommitListener>();
  const consequences = new Set<Consequence>();
  const external = listenForCommits(url, instanceId);
  // This instance's writes queue here anyway (the advisory lock admits one at a time); queueing
  // in process also keeps one pooled connection per waiting write free for reads, and makes
  // listeners hear this instance's commits in commit order.
  let tail: Promise<unknown> = Promise.resolve();
  const stats = { writes: 0, transactions: 0 };

  return {
    dialect: 'postgres',
    db,
    jobs,
    write(fn) {
      const run = tail.then(async () => {
        const effects = newEffects();
        const value = await db.transaction().execute(async (trx) => {
          await sql`select pg_advisory_xact_lock(${WRITE_LOCK}::bigint)`.execute(trx);
          const result = await withConsequences({ db: trx, effects, jobs }, fn, consequences);
          await sql`select pg_notify(${CHANNEL}, ${instanceId})`.execute(trx);
          return result;
        });
        stats.writes++;
        stats.transactions++;
        for (const listener of listeners) notify(listener, effects);
        return value;
      });
      tail = run.catch(() => {});
      return run;
    },
    onCommit: (listener) => subscribeTo(listeners, listener),
    addConsequence: (consequence) => subscribeTo(consequences, consequence),
    onExternalCommit: external.subscribe,
    stats: () => ({ ...stats }),
    ping: () => ping(db),
    async close() {
      listeners.clear();
      await tail;
      await external.close();
      await db.destroy();
    },
  };
}

/**
 * One dedicated connection LISTENing for other instances' commits; started by the first
 * subscriber. When it breaks it reconnects after a second and reports a commit, since some may
 * have been missed meanwhile (listeners catch up from the tables, so a spurious call is harmless).
 */
function listenForCommits(url: string, instanceId: string) {
  const subscribers = new Set<() => void>();
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  let closed = false;
  const tell = () => {
    for (const s of subscribers) s();
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
      if (msg.channel === CHANNEL && msg.payload !== instanceId) tell();
    });
    try {
      await c.connect();
      await c.query(`listen ${CHANNEL}`);
      if (reconnected) tell();
    } catch {
      broken();
    }
  };
  return {
    subscribe(listener: () => void): () => void {
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
