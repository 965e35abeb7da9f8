/**
 * NOTIFY probe (issue 9): what a NOTIFY in a writing transaction costs PostgreSQL's commit rate.
 * Twelve connections each insert one row per transaction for 4 s, three ways: no NOTIFY; NOTIFY
 * then COMMIT (inside the transaction, as cluster writes sent it before); COMMIT then NOTIFY in
 * the same message (its own transaction), and the same with that transaction's commit not
 * waiting for its WAL flush. A listener on another connection counts what arrives. Prints
 * commits/s and the latency of a whole transaction for each, twice, alternating.
 *
 *   npx tsx bench/notify-probe.ts
 */
import pg from 'pg';
import { startPostgres } from './lib/postgres.ts';

const CONNECTIONS = 12;
const MS = 4000;
const MODES = {
  'no NOTIFY': (n: number) => `commit; select ${n}`,
  'NOTIFY; COMMIT': (n: number) => `select pg_notify('probe', '${n}'); commit`,
  'COMMIT; NOTIFY': (n: number) => `commit; select pg_notify('probe', '${n}')`,
  'COMMIT; NOTIFY, async': (n: number) =>
    `commit; select set_config('synchronous_commit', 'off', true), pg_notify('probe', '${n}')`,
};

const server = await startPostgres();
try {
  const url = await server.freshDatabase();
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query('create table probe (id bigserial primary key, v text)');
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  await listener.query('listen probe');
  let heard = 0;
  listener.on('notification', () => heard++);
  for (let round = 0; round < 2; round++) {
    for (const [mode, end] of Object.entries(MODES)) {
      const pool = new pg.Pool({ connectionString: url, max: CONNECTIONS });
      let n = 0;
      const latencies: number[] = [];
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          const c = await pool.connect();
          try {
            while (performance.now() < t0 + MS) {
              const t = performance.now();
              await c.query('begin');
              await c.query('insert into probe (v) values ($1)', ['x']);
              await c.query(end(n++));
              latencies.push(performance.now() - t);
            }
          } finally {
            c.release();
          }
        }),
      );
      latencies.sort((a, b) => a - b);
      const at = (q: number) => (latencies[Math.floor(q * (latencies.length - 1))] ?? 0).toFixed(1);
      console.log(
        `${mode.padEnd(22)} ${Math.round(n / ((performance.now() - t0) / 1000))} commits/s, latency p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`,
      );
      await pool.end();
    }
  }
  console.log(`notifications heard: ${heard}`);
  await listener.end();
  await setup.end();
} finally {
  await server.stop();
}
