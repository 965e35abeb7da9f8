/**
 * Named (prepared) statements for the PostgreSQL pool Kysely uses. Kysely sends each query as an
 * unnamed statement, so PostgreSQL parsed, analysed and planned every one of a write's nine
 * statements every time: measured with bench/statements-probe.ts (one instance, 12 in flight),
 * PostgreSQL spent 3.5 ms of CPU per event create and 0.38 ms per session lookup; with the
 * statements named, 2.6 ms and 0.18 ms. node-postgres keeps what each connection has parsed and
 * then sends only Bind and Execute.
 *
 * A query text gets a name the first time it runs; the names are bounded (`MAX_NAMES`: texts
 * past them, such as `in (…)` lists of a length seen once, stay unnamed). A name is given for a
 * text with parameters only: the parameterless messages are multi-statement simple-protocol ones
 * (a write's BEGIN, its NOTIFY with COMMIT), which a name would force into the extended protocol;
 * such a message answers with its last statement's rows.
 *
 * A prepared `select *` fails once its table's columns change ("cached plan must not change
 * result type", 0A000): a newer version's migration during a rolling upgrade does that. Then the
 * names start over under a new prefix, so every connection prepares afresh, and the store runs
 * the failed write again (`isStalePlan`).
 */
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

const MAX_NAMES = 500;

export function isStalePlan(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '0A000' && /cached plan must not change result type/.test(e.message ?? '');
}

export function preparedPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  let generation = 0;
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_NAMES) {
      name = `kairos_${generation}_${names.size}`;
      names.set(text, name);
    }
    return name;
  };
  return {
    async connect() {
      const client = await pool.connect();
      const query = async (text: string, values: unknown[]) => {
        const name = values.length > 0 ? nameOf(text) : undefined;
        try {
          if (name) return await client.query({ name, text, values });
          // A multi-statement message answers one result per statement: Kysely is given the last.
          const results: pg.QueryResult | pg.QueryResult[] = await client.query(text, values);
          return Array.isArray(results) ? results.at(-1) : results;
        } catch (error) {
          if (!isStalePlan(error)) throw error;
          if (names.get(text) === name) {
            names.clear();
            generation++;
          }
          // Outside a transaction (node-postgres' status from ReadyForQuery is idle), nothing was
          // aborted: run it again, prepared afresh. Inside one, the store runs the whole write again.
          if ((client as { _txStatus?: string })._txStatus !== 'I') throw error;
          return await client.query({ name: nameOf(text), text, values });
        }
      };
      return {
        query: ((text: unknown, values?: readonly unknown[]) =>
          typeof text === 'string'
            ? query(text, [...(values ?? [])])
            : client.query(text as never)) as unknown as PostgresPoolClient['query'],
        release: (destroy?: boolean) => client.release(destroy),
      };
    },
    end: () => pool.end(),
  };
}
