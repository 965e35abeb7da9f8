/**
 * HTTP adapter for export and import (SPEC §15), admin only. The export streams JSON Lines as
 * it reads them; the import takes JSON Lines (`application/x-ndjson`) or a JSON array.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CAMPUSCONNECT_ZONE,
  canonicalZone,
  IMPORT_FORMATS,
  type ImportSource,
  isValidTimeZone,
  KairosError,
  type RejectedRecord,
  splitJsonLines,
} from '@kairos/core';
import Type from 'typebox';
import type { Clock } from '../../clock.ts';
import type { Store } from '../../db/store.ts';
import { errors } from '../../http/schemas.ts';
import { exportLines } from './export.ts';
import type { ImportService } from './import.service.ts';

/** An exported event with short texts is ~620 bytes a line (10 000: ~6 MB); this takes ~80 000 in one request. */
export const IMPORT_BODY_LIMIT = 48 * 1024 * 1024;
export const NDJSON = 'application/x-ndjson';

const ImportReport = Type.Object({
  created: Type.Integer(),
  skipped: Type.Integer(),
  rejected: Type.Array(
    Type.Object({
      line: Type.Integer(),
      id: Type.Union([Type.String(), Type.Null()]),
      details: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
    }),
  ),
});

/** The body as numbered records: JSON Lines text, or a parsed JSON array (position = line). */
function sourcesOf(body: unknown): Array<ImportSource | RejectedRecord> {
  if (typeof body === 'string') return splitJsonLines(body);
  if (Array.isArray(body)) return body.map((value, i) => ({ line: i + 1, value }));
  throw new KairosError('validation_failed', 'send JSON Lines (application/x-ndjson) or a JSON array of records', [
    { path: '', message: 'the body must be JSON Lines or a JSON array' },
  ]);
}

export interface TransferRoutesDeps {
  store: Store;
  clock: Clock;
  importer: ImportService;
}

export const transferRoutes: FastifyPluginAsyncTypebox<TransferRoutesDeps> = async (app, { store, clock, importer }) => {
  // Scoped to this plugin: JSON Lines arrive as text and are split (with line numbers) by core.
  app.addContentTypeParser(NDJSON, { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT }, (_request, body, done) =>
    done(null, body),
  );

  app.get(
    '/events/export',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['transfer'],
        summary: 'Every event (all fields, status and phase; no attendees) as JSON Lines, streamed',
        produces: [NDJSON],
        response: { 200: Type.Unknown({ description: 'JSON Lines: one event per line' }), ...errors(401, 403) },
      },
    },
    async (_request, reply) =>
      reply
        .type(NDJSON)
        .header('content-disposition', 'attachment; filename="kairos-events.jsonl"')
        .send(Readable.from(exportLines(store.db, () => clock.now()))),
  );

  app.post(
    '/events/import',
    {
      config: { access: 'admin' },
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags: ['transfer'],
        summary: 'Import events (kairos export or campusconnect mongoexport); ?dryRun=true writes nothing',
        querystring: Type.Object(
          {
            format: Type.Optional(Type.Union(IMPORT_FORMATS.map((f) => Type.Literal(f)))),
            sourceTimezone: Type.Optional(
              Type.String({ maxLength: 64, description: `campusconnect: default ${CAMPUSCONNECT_ZONE}` }),
            ),
            dryRun: Type.Optional(Type.Boolean()),
            atomic: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: ImportReport, ...errors(400, 401, 403, 413, 415) },
      },
    },
    async (request) => {
      const q = request.query;
      const zone = canonicalZone(q.sourceTimezone ?? CAMPUSCONNECT_ZONE);
      if (!isValidTimeZone(zone)) {
        throw new KairosError('validation_failed', `unknown time zone "${zone}"`, [
          { path: 'sourceTimezone', message: 'is not an IANA time zone' },
        ]);
      }
      return importer.run(request.viewer, sourcesOf(request.body), {
        format: q.format ?? 'kairos',
        sourceTimezone: zone,
        dryRun: q.dryRun === true,
        atomic: q.atomic === true,
      });
    },
  );
};
