/**
 * SQL behind the server's back, on either dialect: the doctor suites break the database the way
 * a bug or a hand edit would, and others read the truth back. `?` placeholders.
 */
import Database from 'better-sqlite3';

interface Outcome<T> {
  rows: T[];
  changed: number;
}

async function run<T>(database: string, statement: string, params: unknown[], read: boolean): Promise<Outcome<T>> {
  if (/^postgres(ql)?:\/\//.test(database)) {
    const { default: pg } = await import('pg'); // only the postgres project pays for loading it
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    try {
      let n = 0;
      const r = await client.query(
        statement.replace(/\?/g, () => `$${++n}`),
        params,
      );
      return { rows: r.rows as T[], changed: r.rowCount ?? 0 };
    } finally {
      await client.end();
    }
  }
  const db = new Database(database, { readonly: read });
  try {
    db.pragma('busy_timeout = 5000');
    const stmt = db.prepare(statement);
    return read ? { rows: stmt.all(...params) as T[], changed: 0 } : { rows: [], changed: stmt.run(...params).changes };
  } finally {
    db.close();
  }
}

/** Change rows; resolves with how many changed. */
export async function rawSql(database: string, statement: string, ...params: unknown[]): Promise<number> {
  return (await run(database, statement, params, false)).changed;
}

/** Rows of a query. */
export async function rawRows<T = Record<string, unknown>>(
  database: string,
  statement: string,
  ...params: unknown[]
): Promise<T[]> {
  return (await run<T>(database, statement, params, true)).rows;
}
