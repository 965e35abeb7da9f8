/**
 * `GET /api/v1/stream` (SPEC §7). Order of a connection: admit (caps), subscribe (buffering
 * live batches), send `hello` with the server time, replay every visible entry after
 * `Last-Event-ID`, then flush the buffer minus what the replay already sent — so nothing is
 * missed or repeated between the replay and the live feed.
 *
 * Writes respect backpressure: a client whose unsent data passes `maxBufferedBytes` is dropped
 * (it reconnects with `Last-Event-ID` and the replay gives it everything), so a client that
 * stops reading costs at most that much memory.
 */
import { formatInstant, KairosError, liveTypeOf, NO_REGISTRATIONS } from '@kairos/core';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Clock } from '../clock.ts';
import type { Store } from '../db/store.ts';
import type { AuthService } from '../features/auth/auth.service.ts';
import { findEvents } from '../features/events/events.repository.ts';
import { historySince, lastSeq } from '../features/history/history.repository.ts';
import { registrationCounts } from '../features/registrations/registrations.repository.ts';
import { type Batch, canSeeEntry, frame, textAfter } from './frames.ts';
import type { LiveClient, LiveHub } from './hub.ts';
import { toLiveMessage } from './messages.ts';

const REPLAY_PAGE = 500;
const RETRY_MS = 2000;
/** How long an ended stream may take to flush its last bytes before its socket is destroyed. */
const END_GRACE_MS = 2000;
/** Seconds a refused client should wait: streams free up as browsers close tabs. */
const REFUSED_RETRY_AFTER_S = 10;

const HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

export interface StreamRouteOptions {
  hub: LiveHub;
  store: Store;
  clock: Clock;
  auth: AuthService;
  /** Unsent bytes after which a client that stopped reading is dropped (SPEC §7: about 1 MB). */
  maxBufferedBytes: number;
}

/** Resolves when the socket drained or closed. */
const drained = (res: FastifyReply['raw']) =>
  new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });

export const streamRoutes: FastifyPluginAsync<StreamRouteOptions> = async (app, opts) => {
  const { hub, store, clock, auth, maxBufferedBytes } = opts;
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
      // HEAD answers the headers a stream would have, and ends.
      if (request.method === 'HEAD') return reply.status(200).headers(HEADERS).send();
      const session = request.token ? await auth.session(request.token) : null;
      const raw = request.headers['last-event-id'];
      const parsed = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : null;
      // Checked after the last await before registering: admission and registration must not interleave.
      const refused = hub.refusal(request.ip);
      if (refused) {
        throw Object.assign(new KairosError('unavailable', `${refused}; try again later`), {
          retryAfter: REFUSED_RETRY_AFTER_S,
        });
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { ...HEADERS, connection: 'keep-alive' });

      let replaying = true;
      let sent = 0;
      const buffered: Batch[] = [];
      let bufferedBytes = 0;
      let release = () => {};
      const closed = () => res.destroyed || res.writableEnded;
      const drop = () => {
        res.destroy();
        release();
      };
      // A client is judged by what it left unread before this write: one commit of a burst (hundreds
      // of transitions) can pass the limit by itself for a client that reads well, and must not
      // drop it. So memory per client is bounded by the limit plus one commit's frames.
      const write = (text: string) => {
        if (closed() || text === '') return;
        if (res.writableLength > maxBufferedBytes) {
          drop();
          return;
        }
        res.write(text);
      };
      const client: LiveClient = {
        viewer: request.viewer,
        address: request.ip,
        session,
        deliver(batch) {
          if (replaying) {
            buffered.push(batch);
            bufferedBytes += batch.text.length;
            if (bufferedBytes > maxBufferedBytes) drop();
            return;
          }
          write(textAfter(batch, sent));
          sent = Math.max(sent, batch.lastSeq);
        },
        pending: () => (closed() ? 0 : res.writableLength),
        drained: () => (closed() ? Promise.resolve() : drained(res)),
        end(retryMs) {
          if (closed()) return;
          res.end(`retry: ${retryMs}\n\n`);
          // A client that stopped reading never takes the hint; it must not hold up a shutdown
          // (SPEC §8: within 10 s) or keep its memory.
          const timer = setTimeout(() => res.destroy(), END_GRACE_MS);
          res.once('close', () => clearTimeout(timer));
        },
      };
      release = hub.add(client);
      res.on('close', release);
      if (!res.socket || res.socket.destroyed) release();

      // Clamped to what exists: an id from before a database reset must not mute the live feed.
      const current = await lastSeq(store.db);
      sent = Math.min(parsed ?? 0, current);
      write(`retry: ${RETRY_MS}\n\n`);
      write(frame('hello', { serverTime: formatInstant(clock.now()), lastSeq: current }));
      if (parsed !== null) {
        // Replay what this client missed, in order, as it may see it; paced by the socket.
        for (;;) {
          // Up to what the hub has published: beyond it a write may still commit below an entry
          // that already has (cluster mode), and the hub sends those to this client as they settle.
          const page = (await historySince(store.db, sent, REPLAY_PAGE)).filter((h) => h.seq <= hub.publishedSeq);
          if (page.length === 0 || closed()) break;
          const events = await findEvents(
            store.db,
            page.map((h) => h.eventId),
          );
          const counts = await registrationCounts(store.db, [...events.keys()]);
          for (const h of page) {
            if (closed()) break;
            sent = h.seq;
            if (!canSeeEntry(request.viewer, h)) continue;
            const event = h.cause === 'delete' ? null : (events.get(h.eventId) ?? null);
            const message = toLiveMessage(h, event, clock.now(), counts.get(h.eventId) ?? NO_REGISTRATIONS);
            write(frame(liveTypeOf(h), message, h.seq));
            if (res.writableLength > maxBufferedBytes / 2) await drained(res);
          }
          if (page.length < REPLAY_PAGE) break;
        }
      }
      replaying = false;
      for (const batch of buffered.splice(0)) client.deliver(batch);
    },
  );
};
