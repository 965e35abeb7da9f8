/**
 * `GET /api/v1/stream` (SPEC §7). Order of a connection: subscribe (buffering live messages),
 * send `hello` with the server time, replay every visible entry after `Last-Event-ID`, then
 * flush the buffer minus what the replay already sent — so nothing is missed or repeated
 * between the replay and the live feed.
 */
import { formatInstant, liveTypeOf, NO_REGISTRATIONS } from '@kairos/core';
import type { FastifyPluginAsync } from 'fastify';
import type { Clock } from '../clock.ts';
import type { Store } from '../db/store.ts';
import { findEvents } from '../features/events/events.repository.ts';
import { historySince, lastSeq } from '../features/history/history.repository.ts';
import { registrationCounts } from '../features/registrations/registrations.repository.ts';
import { canSeeEntry, frame, type LiveHub } from './hub.ts';
import { toLiveMessage } from './messages.ts';

const REPLAY_PAGE = 500;
const RETRY_MS = 2000;

export const streamRoutes: FastifyPluginAsync<{ hub: LiveHub; store: Store; clock: Clock }> = async (
  app,
  { hub, store, clock },
) => {
  app.get(
    '/stream',
    {
      schema: {
        tags: ['live'],
        summary: 'Server-Sent Events: hello, transition, event.created, event.updated, event.deleted',
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const raw = request.headers['last-event-id'];
      const parsed = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : null;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.flushHeaders();

      let replaying = true;
      // Clamped to what exists: an id from before a database reset must not mute the live feed.
      const current = await lastSeq(store.db);
      let sent = Math.min(parsed ?? 0, current);
      const buffered: string[] = [];
      const seqOf = (text: string) => Number(/^id: (\d+)/.exec(text)?.[1] ?? 0);
      const client = {
        viewer: request.viewer,
        write(text: string) {
          if (replaying) buffered.push(text);
          else if (!res.destroyed) {
            const seq = seqOf(text);
            if (seq === 0 || seq > sent) {
              if (seq) sent = seq;
              res.write(text);
            }
          }
        },
        end(retryMs: number) {
          if (!res.destroyed) res.end(`retry: ${retryMs}\n\n`);
        },
      };
      const unsubscribe = hub.add(client);
      request.raw.on('close', unsubscribe);

      res.write(`retry: ${RETRY_MS}\n\n`);
      res.write(frame('hello', { serverTime: formatInstant(clock.now()), lastSeq: current }));
      if (parsed !== null) {
        // Replay what this client missed, in order, as it may see it.
        for (;;) {
          const page = await historySince(store.db, sent, REPLAY_PAGE);
          if (page.length === 0 || res.destroyed) break;
          const events = await findEvents(
            store.db,
            page.map((h) => h.eventId),
          );
          const counts = await registrationCounts(store.db, [...events.keys()]);
          for (const h of page) {
            sent = h.seq;
            if (!canSeeEntry(request.viewer, h)) continue;
            const event = h.cause === 'delete' ? null : (events.get(h.eventId) ?? null);
            res.write(
              frame(liveTypeOf(h), toLiveMessage(h, event, clock.now(), counts.get(h.eventId) ?? NO_REGISTRATIONS), h.seq),
            );
          }
          if (page.length < REPLAY_PAGE) break;
        }
      }
      replaying = false;
      for (const text of buffered.splice(0)) client.write(text);
    },
  );
};
