/**
 * A live-stream client at the HTTP level (no EventSource): it sees the status, headers, every
 * byte and the moment the server ends the response, and never reconnects by itself — what the
 * caps, backpressure and session tests need to observe.
 */
import http from 'node:http';

export interface RawFrame {
  id: number | null;
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: payloads are inspected field by field
  data: any;
}

export interface RawStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body so far (JSON error body for a refused stream). */
  text: string;
  frames: RawFrame[];
  /** Resolves when the server ended or dropped the response. */
  ended: Promise<void>;
  isEnded(): boolean;
  waitFor<T>(pick: (frames: RawFrame[]) => T | undefined | null | false, timeoutMs: number): Promise<T>;
  close(): void;
}

export function parseFrames(text: string): RawFrame[] {
  const frames: RawFrame[] = [];
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n');
    const type = lines.find((l) => l.startsWith('event: '))?.slice(7);
    const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
    const id = lines.find((l) => l.startsWith('id: '))?.slice(4);
    if (type && data !== undefined) frames.push({ id: id ? Number(id) : null, type, data: JSON.parse(data) });
  }
  return frames;
}

export function openRaw(
  baseUrl: string,
  opts: { token?: string; lastEventId?: number; localAddress?: string; method?: string } = {},
): Promise<RawStream> {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.lastEventId !== undefined) headers['last-event-id'] = String(opts.lastEventId);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${baseUrl}/api/v1/stream`,
      { method: opts.method ?? 'GET', headers, localAddress: opts.localAddress, agent: false },
      (res) => {
        res.setEncoding('utf8');
        let done = false;
        let pending = '';
        const waiters = new Set<() => void>();
        const wake = () => {
          for (const w of [...waiters]) w();
        };
        const stream: RawStream = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: '',
          frames: [],
          ended: new Promise((r) => res.once('close', r)),
          isEnded: () => done,
          waitFor(pick, timeoutMs) {
            return new Promise((ok, fail) => {
              const check = () => {
                const v = pick(stream.frames);
                if (v) {
                  cleanup();
                  ok(v);
                }
              };
              const timer = setTimeout(() => {
                cleanup();
                fail(new Error(`raw stream: condition not met in ${timeoutMs} ms; got ${stream.frames.map((f) => f.type)}`));
              }, timeoutMs);
              const cleanup = () => {
                clearTimeout(timer);
                waiters.delete(check);
              };
              waiters.add(check);
              check();
            });
          },
          close: () => req.destroy(),
        };
        res.on('data', (chunk: string) => {
          stream.text += chunk;
          if (res.statusCode !== 200) return;
          pending += chunk;
          const cut = pending.lastIndexOf('\n\n');
          if (cut !== -1) {
            stream.frames.push(...parseFrames(pending.slice(0, cut + 2)));
            pending = pending.slice(cut + 2);
            wake();
          }
        });
        res.on('close', () => {
          done = true;
          wake();
        });
        res.on('error', () => {});
        resolve(stream);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
