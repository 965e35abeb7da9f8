/**
 * SQL behind the server's back, on either dialect: the doctor suites break the database the way
 * a bug or a hand edit would. `?` placeholders; resolves with the number of rows changed.
 */
import Database from 'better-sqlite3';
import pg from 'pg';

export async function rawSql(database: string, statement: string, ...params: unknown[]): Promise<number> {
  if (/^postgres(ql)?:\/\//.test(database)) {
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    try {
      let n = 0;
      const text = statement.replace(/\?/g, () => `$${++n}`);
      return (await client.query(text, params)).rowCount ?? 0;
    } finally {
      await client.end();
    }
  }
  const db = new Database(database);
  try {
    db.pragma('busy_timeout = 5000');
    return db.prepare(statement).run(...params).changes;
  } finally {
    db.close();
  }
}

/** Rows of a query behind the server's back, on either dialect (`?` placeholders). */
export async function rawRows<T = Record<string, unknown>>(
  database: string,
  statement: string,
  ...params: unknown[]
): Promise<T[]> {
  if (/^postgres(ql)?:\/\//.test(database)) {
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    try {
      let n = 0;
      const text = statement.replace(/\?/g, () => `$${++n}`);
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }
  const db = new Database(database, { readonly: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db.prepare(statement).all(...params) as T[];
  } finally {
    db.close();
  }
}
