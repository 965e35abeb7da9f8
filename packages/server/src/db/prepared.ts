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

/**
 * One statement of a simple-protocol message (`message`): with `args`, it runs prepared — SQL
 * `PREPARE` the first time on a connection, `EXECUTE` with the args written in after that (so
 * PostgreSQL plans it once per connection, not once per message); without, as it is.
 */
export interface Statement {
  sql: string;
  args?: readonly unknown[];
}

const MESSAGE = '\u0001kairos-message:';

/**
 * Several statements sent in one round trip, each after the one before in its own snapshot
 * (READ COMMITTED), answering the last one's rows. A text for Kysely's `sql.raw`, which hands it
 * to this pool unchanged; the pool writes the message for the connection it runs on.
 */
export function message(statements: readonly Statement[]): string {
  return MESSAGE + JSON.stringify(statements);
}

/**
 * A value written into a statement: numbers, booleans, null, and strings without a backslash or
 * NUL (quotes doubled). Anything else throws before anything is sent.
 */
export function literalOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string' && !/[\\\0]/.test(value)) return `'${value.replaceAll("'", "''")}'`;
  throw new Error(`cannot write ${typeof value} ${String(value).slice(0, 40)} into a statement`);
}

/**
 * A message's PREPARE or EXECUTE found the connection's prepared statements other than this pool
 * believed (26000: none of that name; 42P05: one exists already), say after an earlier message
 * failed between the two: the pool reads the connection's list again, and the write runs again.
 */
export function isPreparedMismatch(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === '26000' || code === '42P05';
}

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
  // The message statements' names (SQL PREPARE, so apart from node-postgres' own), and which of
  // them each connection holds; null: not known, read the connection's list first.
  const sqlNames = new Map<string, string>();
  const held = new WeakMap<pg.PoolClient, Set<string> | null>();
  const sqlNameOf = (text: string): string => {
    let name = sqlNames.get(text);
    if (name === undefined) {
      name = `kairos_m${generation}_${sqlNames.size}`;
      sqlNames.set(text, name);
    }
    return name;
  };
  const send = async (client: pg.PoolClient, statements: Statement[]): Promise<pg.QueryResult | pg.QueryResult[]> => {
    let known = held.get(client);
    if (!known) {
      const { rows } = await client.query<{ name: string }>(
        `select name from pg_prepared_statements where name like 'kairos\\_m%'`,
      );
      known = new Set(rows.map((r) => r.name));
      held.set(client, known);
    }
    const adding: string[] = [];
    const text = statements
      .map(({ sql, args }) => {
        if (args === undefined) return sql;
        const name = sqlNameOf(sql);
        const execute = args.length > 0 ? `execute ${name}(${args.map(literalOf).join(', ')})` : `execute ${name}`;
        if (known.has(name)) return execute;
        adding.push(name);
        return `prepare ${name} as ${sql}; ${execute}`;
      })
      .join('; ');
    try {
      const results = await client.query(text);
      for (const name of adding) known.add(name);
      return results;
    } catch (error) {
      // Whether a PREPARE before the failure ran is not known: read the list before the next message.
      if (adding.length > 0 || isPreparedMismatch(error)) held.set(client, null);
      throw error;
    }
  };
  return {
    async connect() {
      const client = await pool.connect();
      const query = async (text: string, values: unknown[]) => {
        const name = values.length > 0 ? nameOf(text) : undefined;
        try {
          if (name) return await client.query({ name, text, values });
          // A multi-statement message answers one result per statement: Kysely is given the last.
          const results: pg.QueryResult | pg.QueryResult[] = text.startsWith(MESSAGE)
            ? await send(client, JSON.parse(text.slice(MESSAGE.length)) as Statement[])
            : await client.query(text, values);
          return Array.isArray(results) ? results.at(-1) : results;
        } catch (error) {
          if (!isStalePlan(error)) throw error;
          if (names.get(text) === name) {
            names.clear();
            sqlNames.clear();
            generation++;
          }
          // Outside a transaction (node-postgres' status from ReadyForQuery is idle), nothing was
          // aborted: run it again, prepared afresh. Inside one, the store runs the whole write again.
          if ((client as { _txStatus?: string })._txStatus !== 'I' || text.startsWith(MESSAGE)) throw error;
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
