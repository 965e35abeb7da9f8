/**
 * Request validation from the route schemas. Bodies are checked strictly: no type coercion
 * ("5" is not a number) and unknown fields are rejected, not silently dropped (Fastify's
 * default). Query strings and params are coerced, since everything in a URL is text.
 *
 * Validators and response serializers are compiled on a route's first use, not at start:
 * compiling all of them (every route's body, query, params and each response status) was about a
 * quarter of a start's CPU (cpu-prof of `kairos serve`), and most starts (every test server, every
 * restarted instance) use a few routes only. A compiled function is kept: later requests pay nothing.
 */
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';

const strictBodies = () =>
  new Ajv({ allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: true, strict: false });

/** Behaves as the compiled function (Fastify reads `errors` after each call), compiling it on the first. */
function lazyValidator(compile: () => ValidateFunction) {
  let compiled: ValidateFunction | undefined;
  const validate = (...args: Parameters<ValidateFunction>) => {
    compiled ??= compile();
    const valid = compiled(...args);
    validate.errors = compiled.errors;
    return valid;
  };
  validate.errors = null as ValidateFunction['errors'];
  return validate;
}

export function registerValidation(app: FastifyInstance): void {
  const strict = strictBodies();
  const lenient = new Ajv({ allErrors: true, coerceTypes: 'array', removeAdditional: false, useDefaults: true, strict: false });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    lazyValidator(() => (httpPart === 'body' ? strict : lenient).compile(schema)),
  );
  // Fastify's own serializer compiler (fast-json-stringify, no shared schemas: the app adds none), deferred.
  const serializerFor = SerializerSelector()({}, undefined);
  app.setSerializerCompiler((route) => {
    let serialize: ((data: unknown) => string) | undefined;
    return (data) => {
      serialize ??= serializerFor({ ...route, httpStatus: route.httpStatus ?? '' });
      return serialize(data);
    };
  });
}

/**
 * A body schema compiled exactly as routes compile theirs, for bodies that arrive another way
 * (each record of an import is checked as a `POST /events` body would be).
 */
export function compileBodyValidator(schema: object) {
  return strictBodies().compile(schema);
}
