/**
 * Request validation from the route schemas. Bodies are checked strictly: no type coercion
 * ("5" is not a number) and unknown fields are rejected, not silently dropped (Fastify's
 * default). Query strings and params are coerced, since everything in a URL is text.
 */
import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';

export function registerValidation(app: FastifyInstance): void {
  const strict = new Ajv({ allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: true, strict: false });
  const lenient = new Ajv({ allErrors: true, coerceTypes: 'array', removeAdditional: false, useDefaults: true, strict: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema));
}
