/**
 * Structured JSON logs (pino). Secrets never reach them: credentials in headers and bodies are
 * redacted, and query strings are dropped from logged URLs (attendee tokens travel there).
 */
import type { FastifyRequest } from 'fastify';

export function loggerOptions(level: string) {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.password', '*.token'],
      censor: '[redacted]',
    },
    serializers: {
      req(request: FastifyRequest) {
        return { method: request.method, url: request.url.split('?')[0], remoteAddress: request.ip };
      },
    },
  };
}
