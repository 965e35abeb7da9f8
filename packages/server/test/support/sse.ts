/**
 * A live-stream client for tests, built on the `eventsource` package (a WHATWG EventSource for
 * Node). Tests await messages with `waitFor` instead of sleeping.
 */
import { LIVE_TYPES } from '@kairos/core';
import { EventSource } from 'eventsource';

/** Every message type of the stream's typed map (core), so a new type is heard here without a second list. */
export const STREAM_TYPES = LIVE_TYPES;

export interface StreamMessage {
  type: string;
  id: string;
  // biome-ignore lint/suspicious/noExplicitAny: payloads are inspected field by field
  data: any;
  receivedAt: number;
}

export interface Stream {
  messages: StreamMessage[];
  opened: Promise<void>;
  waitFor<T>(pick: (messages: StreamMessage[]) => T | undefined | null | false, timeoutMs: number): Promise<T>;
  close(): void;
}

export function openStream(baseUrl: string, opts: { token?: string; lastEventId?: number } = {}): Stream {
  const messages: StreamMessage[] = [];
  const waiters = new Set<() => void>();
  let first = true;
  const es = new EventSource(`${baseUrl}/api/v1/stream`, {
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      if (opts.token) headers.set('authorization', `Bearer ${opts.token}`);
      if (first && opts.lastEventId !== undefined) headers.set('last-event-id', String(opts.lastEventId));
      first = false;
      return fetch(input, { ...init, headers });
    },
  });
  for (const type of STREAM_TYPES) {
    es.addEventListener(type, (e) => {
      messages.push({ type, id: e.lastEventId, data: JSON.parse(e.data), receivedAt: Date.now() });
      for (const w of waiters) w();
    });
  }
  const opened = new Promise<void>((resolve, reject) => {
    es.addEventListener('open', () => resolve());
    setTimeout(() => reject(new Error('stream did not open within 5 s')), 5000).unref();
  });
  return {
    messages,
    opened,
    waitFor(pick, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const v = pick(messages);
          if (v) {
            cleanup();
            resolve(v);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`stream: condition not met within ${timeoutMs} ms; got ${messages.map((m) => m.type).join(',')}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => es.close(),
  };
}
