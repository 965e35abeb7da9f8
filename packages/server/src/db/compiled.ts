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
import type { Db } from './unit-of-work.ts';

class Slot {
  constructor(readonly key: string) {}
}

const slots: Record<string, Slot> = new Proxy({}, { get: (_, key) => new Slot(String(key)) });

export interface Prepared<P, R> {
  compile(db: Db, params: P, shape?: number): CompiledQuery<R>;
  execute(db: Db, params: P, shape?: number): Promise<QueryResult<R>>;
}

/** `build` gets slots for `params` and the call's `shape` (a number the caller derives, 0 by default). */
export function prepare<P extends object, R>(build: (db: Db, params: P, shape: number) => Compilable<R>): Prepared<P, R> {
  const compiled = new Map<string, CompiledQuery<R>>();
  const compile = (db: Db, params: P, shape = 0): CompiledQuery<R> => {
    const key = `${isSqlite(db) ? 's' : 'p'}${shape}`;
    let template = compiled.get(key);
    if (template === undefined) {
      template = build(db, slots as P, shape).compile();
      compiled.set(key, template);
    }
    const values = params as Record<string, unknown>;
    return { ...template, parameters: template.parameters.map((v) => (v instanceof Slot ? boundValue(values, v.key) : v)) };
  };
  return { compile, execute: (db, params, shape) => db.executeQuery(compile(db, params, shape)) };
}

/** Kysely leaves out a column whose value is undefined; a compiled statement cannot, so it refuses one. */
function boundValue(values: Record<string, unknown>, key: string): unknown {
  const value = values[key];
  if (value === undefined) throw new Error(`prepared query: no value for ${key}`);
  return value;
}

/**
 * A compiled PostgreSQL query as one parameterless statement, for a simple-protocol message that
 * carries several (a write's BEGIN). Only numbers, booleans, null and strings without a quote,
 * backslash or NUL are written in; anything else throws.
 */
export function inline(query: CompiledQuery): string {
  return query.sql.replace(/\$(\d+)/g, (_, n: string) => literalOf(query.parameters[Number(n) - 1]));
}

function literalOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string' && !/['\\\0]/.test(value)) return `'${value}'`;
  throw new Error(`inline: cannot write ${typeof value} ${String(value).slice(0, 40)} into a statement`);
}
