/**
 * Request validation from the route schemas. Bodies are checked strictly: no type coercion
 * ("5" is not a number) and unknown fields are rejected, not silently dropped (Fastify's
 * default). Query strings and params are coerced, since everything in a URL is text.
 */
import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';

const strictBodies = () =>
  new Ajv({ allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: true, strict: false });

export function registerValidation(app: FastifyInstance): void {
  const strict = strictBodies();
  const lenient = new Ajv({ allErrors: true, coerceTypes: 'array', removeAdditional: false, useDefaults: true, strict: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema));
}

/**
 * A body schema compiled exactly as routes compile theirs, for bodies that arrive another way
 * (each record of an import is checked as a `POST /events` body would be).
 */
export function compileBodyValidator(schema: object) {
  return strictBodies().compile(schema);
}
