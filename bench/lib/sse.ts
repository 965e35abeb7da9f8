/**
 * A minimal SSE reader over a raw socket: cheap enough for one process to hold ten thousand
 * streams (no EventSource object, no per-frame JSON parse unless asked). HTTP/1.0, so the body
 * arrives without chunked framing.
 */
import net from 'node:net';

export interface SseFrame {
  event: string;
  id: number;
  /** The raw `data:` line (JSON text), only when the caller asked for it. */
  data: string | null;
  receivedAt: number;
}

export interface SseConnection {
  hello: Promise<void>;
  close(): void;
}

export function openSse(
  port: number,
  onFrame: (frame: SseFrame) => void,
  opts: { keepData?: boolean | ((event: string) => boolean); onClose?: () => void } = {},
): SseConnection {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.setEncoding('utf8');
  let buffer = '';
  let headersDone = false;
  let helloResolve: () => void = () => {};
  let helloReject: (e: Error) => void = () => {};
  const hello = new Promise<void>((resolve, reject) => {
    helloResolve = resolve;
    helloReject = reject;
  });
  socket.on('connect', () => {
    socket.write('GET /api/v1/stream HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
  });
  socket.on('data', (chunk: string) => {
    const receivedAt = Date.now();
    buffer += chunk;
    if (!headersDone) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = buffer.slice(0, buffer.indexOf('\r\n'));
      if (!/ 200 /.test(status)) {
        helloReject(new Error(`stream: ${status}`));
        socket.destroy();
        return;
      }
      headersDone = true;
      buffer = buffer.slice(end + 4);
    }
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const text = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const ev = /(?:^|\n)event: ([^\n]*)/.exec(text)?.[1];
      if (!ev) continue;
      if (ev === 'hello') helloResolve();
      const keep = typeof opts.keepData === 'function' ? opts.keepData(ev) : Boolean(opts.keepData);
      const id = Number(/(?:^|\n)id: (\d+)/.exec(text)?.[1] ?? 0);
      const data = keep ? (/(?:^|\n)data: ([^\n]*)/.exec(text)?.[1] ?? null) : null;
      onFrame({ event: ev, id, data, receivedAt });
    }
  });
  socket.on('error', (e) => helloReject(e));
  socket.on('close', () => {
    helloReject(new Error('stream closed before hello'));
    opts.onClose?.();
  });
  return { hello, close: () => socket.destroy() };
}
