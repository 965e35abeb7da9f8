/**
 * The server's clock as seen from this tab. The stream's `hello` carries the server time; the
 * offset from the device clock corrects every countdown and badge, so a device whose clock is
 * minutes off still flips on time.
 */
let offset = 0;
const listeners = new Set<() => void>();

export const serverNow = (): number => Date.now() + offset;

export function syncServerTime(serverIso: string): void {
  const next = Date.parse(serverIso) - Date.now();
  if (!Number.isFinite(next)) return;
  offset = next;
  for (const l of listeners) l();
}

export function onClockChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const clockOffsetMs = (): number => offset;
