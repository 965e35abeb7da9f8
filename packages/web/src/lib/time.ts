/**
 * Time on screen. One timer per screen for the next boundary of the events shown (never a
 * polling interval): at that instant the screen's "now" moves and every badge recomputes with
 * the shared lifecycle function. Countdowns tick once a second, aligned to the second.
 */
import { datesOfView, type EventView, formatInZone, nextTransition } from '@kairos/core';
import { useEffect, useState } from 'react';
import { onClockChange, serverNow } from './server-clock.ts';

export const viewerZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * The server's "now" for rendering `events`: re-renders exactly at the next boundary among
 * them (one timer, re-armed after each boundary) and whenever the server clock is re-synced.
 */
export function useBoundaryNow(events: readonly EventView[]): number {
  const [wakes, setWakes] = useState(0);
  useEffect(() => onClockChange(() => setWakes((n) => n + 1)), []);
  useEffect(() => {
    void wakes;
    const t = serverNow();
    let next = Number.POSITIVE_INFINITY;
    for (const e of events) {
      const n = nextTransition(datesOfView(e), t);
      if (n && n.at < next) next = n.at;
    }
    if (!Number.isFinite(next)) return;
    // setTimeout takes at most 2^31-1 ms, and may wake a little early: re-check, re-arm.
    let timer = setTimeout(
      function wake() {
        const left = next - serverNow();
        if (left > 0) timer = setTimeout(wake, Math.min(left, 2 ** 31 - 1));
        else setWakes((n) => n + 1);
      },
      Math.min(next - t, 2 ** 31 - 1),
    );
    return () => clearTimeout(timer);
  }, [events, wakes]);
  return serverNow();
}

/** Server time, ticking each second while mounted (for countdowns only). */
export function useSecondTicker(): number {
  const [now, setNow] = useState(serverNow);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      const t = serverNow();
      setNow(t);
      timer = setTimeout(tick, 1000 - (t % 1000) + 5);
    };
    tick();
    return () => clearTimeout(timer);
  }, []);
  return now;
}

/** "1 Dec 2026, 10:00 GMT+5:30", plus the viewer's time when their zone differs. */
export function zoned(iso: string, zone: string): { event: string; viewer: string | null } {
  const at = Date.parse(iso);
  const mine = viewerZone();
  const event = formatInZone(at, zone);
  const viewer = formatInZone(at, mine);
  return { event, viewer: viewer === event ? null : viewer };
}
