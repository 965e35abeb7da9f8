/**
 * The one place errors become HTTP answers (SPEC §6 error format). Domain errors carry their
 * code; framework errors (bad JSON, wrong content type, body too large, schema violations) are
 * mapped to the same catalogue. Anything else is a 500 with nothing internal in the body.
 */
import { type ErrorCode, type ErrorDetail, KairosError } from '@kairos/core';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';

interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Schema violations as `{path, message}`, one per field, the field named as SPEC §6 asks. */
export function detailsFromAjv(errors: readonly AjvError[], part: string): ErrorDetail[] {
  const seen = new Map<string, string>();
  for (const e of errors) {
    let path = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      path = [path, String(e.params.missingProperty)].filter(Boolean).join('.');
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      path = [path, String(e.params.additionalProperty)].filter(Boolean).join('.');
      message = `is not a known field of the ${part}`;
    } else if (path === '' && e.keyword === 'type') {
      message = `the ${part} must be a JSON object`;
    }
    // A union (string or null) reports one error per branch; the first says enough.
    if (!seen.has(path)) seen.set(path, message);
  }
  return [...seen].map(([path, message]) => ({ path, message }));
}

function fromFramework(err: FastifyError): KairosError | null {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new KairosError('unsupported_media_type', 'send the body as application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new KairosError('payload_too_large', 'the body is larger than 100 KB');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new KairosError('invalid_json', 'the body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new KairosError('validation_failed', 'content-length does not match the body');
    case 'FST_ERR_BAD_URL':
      return new KairosError('validation_failed', 'the URL is not valid (bad percent-encoding)');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new KairosError('not_found', 'not found (no id is that long)');
    default:
      break;
  }
  if (err.validation) {
    const part = err.validationContext ?? 'body';
    const details = detailsFromAjv(err.validation as AjvError[], part === 'querystring' ? 'query' : part);
    const first = details[0];
    return new KairosError('validation_failed', first ? `${first.path || part}: ${first.message}` : 'invalid request', details);
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
    return new KairosError('invalid_json', 'the body is not valid JSON');
  }
  if (err.statusCode === 429) return new KairosError('rate_limited', 'too many requests; slow down');
  if (err.statusCode === 404) return new KairosError('not_found', 'not found');
  if (err.statusCode === 405) return new KairosError('method_not_allowed', 'method not allowed');
  if (err.statusCode === 415) return new KairosError('unsupported_media_type', err.message);
  if (err.statusCode === 413) return new KairosError('payload_too_large', err.message);
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new KairosError('validation_failed', err.message);
  }
  return null;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const known = err instanceof KairosError ? err : fromFramework(err);
    if (!known) {
      request.log.error({ err }, 'unhandled error');
      return reply.status(500).send({ error: { code: 'internal_error' as ErrorCode, message: 'internal error' } });
    }
    const retryAfter = (err as { retryAfter?: number }).retryAfter;
    if (retryAfter) reply.header('retry-after', String(retryAfter));
    if (known.code === 'payload_too_large' || known.code === 'unsupported_media_type') reply.header('connection', 'close');
    return reply.status(known.status).send(known.toBody());
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(new KairosError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`).toBody()),
  );
}

/** For Fastify's `frameworkErrors`: router errors raised before any route (or error handler) runs. */
export function sendFrameworkError(err: FastifyError, reply: FastifyReply): void {
  const known = fromFramework(err) ?? new KairosError('internal_error', 'internal error');
  reply.status(known.status).send(known.toBody());
}
