/**
 * Hot-path queries compiled once per dialect instead of at every call. Kysely builds a query's
 * operation tree, runs the plugins over it (CamelCasePlugin rewrites every identifier) and prints
 * it each time it runs: 0.36 ms of an instance's CPU per `PATCH /events/:id`, a fifth of the
 * request (bench/statements-probe.ts under `--cpu-prof`, one instance, 12 in flight).
 *
 * `prepare(build)` runs `build` once per dialect and shape with a slot in place of each parameter
 * (`p.name`); later calls only put the values into the compiled parameters. A parameter must
 * therefore be a value the query binds, never something that changes the query's text: what
 * does (a list's length) belongs in the shape.
 */
import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import { isSqlite } from './dialect.ts';
import { literalOf, type Statement } from './prepared.ts';
import type { Db } from './unit-of-work.ts';

class Slot {
  constructor(readonly key: string) {}
}

const slots: Record<string, Slot> = new Proxy({}, { get: (_, key) => new Slot(String(key)) });

export type { Statement } from './prepared.ts';

export interface Prepared<P, R> {
  compile(db: Db, params: P, shape?: number): CompiledQuery<R>;
  execute(db: Db, params: P, shape?: number): Promise<QueryResult<R>>;
  /** The same as a `Statement` for a message of several (PostgreSQL). */
  statement(db: Db, params: P, shape?: number): Statement;
}

/** `build` gets slots for `params` and the call's `shape` (a number the caller derives, 0 by default). */
export function prepare<P extends object, R>(build: (db: Db, params: P, shape: number) => Compilable<R>): Prepared<P, R> {
  const compiled = new Map<string, CompiledQuery<R>>();
  const statements = new Map<CompiledQuery<R>, { sql: string; keys: string[] }>();
  const template = (db: Db, shape = 0): CompiledQuery<R> => {
    const key = `${isSqlite(db) ? 's' : 'p'}${shape}`;
    let query = compiled.get(key);
    if (query === undefined) {
      query = build(db, slots as P, shape).compile();
      compiled.set(key, query);
    }
    return query;
  };
  const compile = (db: Db, params: P, shape = 0): CompiledQuery<R> => {
    const query = template(db, shape);
    const values = params as Record<string, unknown>;
    return { ...query, parameters: query.parameters.map((v) => (v instanceof Slot ? boundValue(values, v.key) : v)) };
  };
  const statement = (db: Db, params: P, shape = 0): Statement => {
    const query = template(db, shape);
    let s = statements.get(query);
    if (s === undefined) {
      s = statementOf(query);
      statements.set(query, s);
    }
    return { sql: s.sql, args: s.keys.map((k) => boundValue(params as Record<string, unknown>, k)) };
  };
  return { compile, execute: (db, params, shape) => db.executeQuery(compile(db, params, shape)), statement };
}

/** Kysely leaves out a column whose value is undefined; a compiled statement cannot, so it refuses one. */
function boundValue(values: Record<string, unknown>, key: string): unknown {
  const value = values[key];
  if (value === undefined) throw new Error(`prepared query: no value for ${key}`);
  return value;
}

/**
 * A PostgreSQL statement for a simple-protocol message that carries several (`message` in
 * db/prepared.ts, a write's BEGIN): the query's constants written into its text, its parameters
 * numbered `$1…` in `args`.
 */
function statementOf(template: CompiledQuery): { sql: string; keys: string[] } {
  const keys: string[] = [];
  const sql = template.sql.replace(/\$(\d+)/g, (_, n: string) => {
    const value = template.parameters[Number(n) - 1];
    if (!(value instanceof Slot)) return literalOf(value);
    if (!keys.includes(value.key)) keys.push(value.key);
    return `$${keys.indexOf(value.key) + 1}`;
  });
  return { sql, keys };
}
