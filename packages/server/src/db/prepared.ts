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
 * text with parameters only. A write's BEGIN and COMMIT are simple-protocol messages of several
 * statements (one round trip), which node-postgres cannot prepare: `message` prepares their
 * statements by SQL instead, once per connection, and `held` lets a write's last statement
 * travel with its COMMIT (decision 9).
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
/** Messages made and not yet sent, by their text's number (a message is sent once, right after it is made). */
const messages = new Map<string, readonly Statement[]>();
let messageCount = 0;

/**
 * Several statements sent in one round trip, each after the one before in its own snapshot
 * (READ COMMITTED), answering the last one's rows. A text for Kysely's `sql.raw`, which hands it
 * to this pool unchanged; the pool writes the message for the connection it runs on.
 */
export function message(statements: readonly Statement[]): string {
  const text = `${MESSAGE}${messageCount++}`;
  messages.set(text, statements);
  return text;
}

function takeMessage(text: string): readonly Statement[] {
  const statements = messages.get(text);
  if (!statements) throw new Error('a message is sent once');
  messages.delete(text);
  return statements;
}

const HELD = '\u0001kairos-held:';
/** A statement held back, and who hears its rows once it ran. */
interface Held {
  statement: Statement;
  rows: (rows: unknown[]) => void;
}
const helds = new Map<string, Held>();
/**
 * At most this many statements are held on a connection at once: holding one more sends them
 * first. A write that holds one per event it writes (an import of thousands in one transaction)
 * so sends them in messages of this many, not one message the size of the import, which
 * PostgreSQL would parse whole before running any.
 */
export const MAX_HELD = 64;

/**
 * A statement held back on its connection until the next statement there: it then runs first, in
 * the same message when that is a `message` (a write's COMMIT, at the latest), or else in a round
 * trip of its own before it. So a write's last statement can travel with its COMMIT, and the order
 * of a connection's statements never changes. `rows` hears its rows (as PostgreSQL names the
 * columns) once it ran; a write that ends otherwise (ROLLBACK) drops it. A text for `sql.raw`,
 * which answers at once with no rows.
 */
export function held(statement: Statement, rows: (rows: unknown[]) => void): string {
  const text = `${HELD}${messageCount++}`;
  helds.set(text, { statement, rows });
  return text;
}

/**
 * A value written into a statement: numbers, booleans, null, and strings without NUL (which no
 * PostgreSQL text holds). Anything else throws before anything is sent.
 */
export function literalOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string' && !value.includes('\0')) {
    // E'…' reads backslashes as escapes whatever standard_conforming_strings says: both are doubled.
    return /\\/.test(value) ? `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'` : `'${value.replaceAll("'", "''")}'`;
  }
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
  /** Send the statements as one message; one result per statement (a PREPARE's own is left out). */
  const send = async (client: pg.PoolClient, statements: readonly Statement[]): Promise<pg.QueryResult[]> => {
    // A connection not seen before holds none; one whose list is in doubt (null) is read again.
    let known = held.get(client);
    if (known === undefined) {
      known = new Set();
      held.set(client, known);
    } else if (known === null) {
      const { rows } = await client.query<{ name: string }>(
        `select name from pg_prepared_statements where name like 'kairos\\_m%'`,
      );
      known = new Set(rows.map((r) => r.name));
      held.set(client, known);
    }
    const adding: string[] = [];
    // Which result answers each statement: a PREPARE before its EXECUTE answers one of its own.
    const answers: number[] = [];
    let n = 0;
    const text = statements
      .map(({ sql, args }) => {
        if (args === undefined) {
          answers.push(n++);
          return sql;
        }
        const name = sqlNameOf(sql);
        const execute = args.length > 0 ? `execute ${name}(${args.map(literalOf).join(', ')})` : `execute ${name}`;
        if (known.has(name) || adding.includes(name)) {
          answers.push(n++);
          return execute;
        }
        adding.push(name);
        n++;
        answers.push(n++);
        return `prepare ${name} as ${sql}; ${execute}`;
      })
      .join('; ');
    try {
      const answered: pg.QueryResult | pg.QueryResult[] = await client.query(text);
      for (const name of adding) known.add(name);
      const results = Array.isArray(answered) ? answered : [answered];
      return answers.map((i) => results[i] as pg.QueryResult);
    } catch (error) {
      // Whether a PREPARE before the failure ran is not known: read the list before the next message.
      if (adding.length > 0 || isPreparedMismatch(error)) held.set(client, null);
      throw error;
    }
  };
  return {
    async connect() {
      const client = await pool.connect();
      // This checkout's held statements (`held`), in the order they were held.
      let holding: Held[] = [];
      /** Send `statements` after the held ones, in one message; the held ones' rows go to their listeners. */
      const sendAfterHeld = async (statements: readonly Statement[]): Promise<pg.QueryResult[]> => {
        const before = holding;
        holding = [];
        if (before.length + statements.length === 0) return [];
        const results = await send(client, [...before.map((h) => h.statement), ...statements]);
        before.forEach((h, i) => {
          h.rows(results[i]?.rows ?? []);
        });
        return results.slice(before.length);
      };
      const query = async (text: string, values: unknown[]) => {
        if (text.startsWith(HELD)) {
          const h = helds.get(text);
          helds.delete(text);
          if (holding.length >= MAX_HELD) await sendAfterHeld([]);
          if (h) holding.push(h);
          return { command: 'SELECT', rowCount: 0, rows: [], fields: [] };
        }
        if (text === 'rollback') holding = [];
        const name = values.length > 0 ? nameOf(text) : undefined;
        try {
          if (text.startsWith(MESSAGE)) {
            // A multi-statement message answers one result per statement: Kysely is given the last.
            const results = await sendAfterHeld(takeMessage(text));
            return results.at(-1) ?? { command: 'SELECT', rowCount: 0, rows: [], fields: [] };
          }
          if (holding.length > 0) await sendAfterHeld([]);
          if (name) return await client.query({ name, text, values });
          const results: pg.QueryResult | pg.QueryResult[] = await client.query(text, values);
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
        release: (destroy?: boolean) => {
          holding = [];
          client.release(destroy);
        },
      };
    },
    end: () => pool.end(),
  };
}
