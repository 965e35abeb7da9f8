/**
 * One EventSource per tab (SPEC §7). The browser reconnects by itself and sends Last-Event-ID,
 * so the server replays what was missed. Each message updates the query cache in place: a
 * transition replaces the event wherever it is shown, created/deleted events refresh the lists.
 */
import { type EventView, isRegistrationLiveType, LIVE_TYPES, type LiveEventMap, type LiveEventType } from '@kairos/core';
import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { syncServerTime } from './server-clock.ts';
import type { Page } from './types.ts';

export type LiveState = 'connecting' | 'live' | 'reconnecting';
const LiveContext = createContext<LiveState>('connecting');
export const useLiveState = (): LiveState => useContext(LiveContext);

type EventsCache = { pages: Page<EventView>[]; pageParams: unknown[] };

function replaceEvent(client: QueryClient, event: EventView): void {
  client.setQueryData<EventView>(['event', event.id], (old) => (old ? event : old));
  const swap = (p: Page<EventView>) => ({ ...p, items: p.items.map((e) => (e.id === event.id ? event : e)) });
  // Lists are infinite queries (`pages`), except single pages such as the approval queue's.
  client.setQueriesData<EventsCache | Page<EventView>>({ queryKey: ['events'] }, (old) =>
    !old ? old : 'pages' in old ? { ...old, pages: old.pages.map(swap) } : swap(old),
  );
}

/** A history entry's message: the event as it now reads replaces every cached copy. */
function apply(client: QueryClient, type: LiveEventType, entry: LiveEventMap['transition']): void {
  if (entry.event) replaceEvent(client, entry.event);
  else client.removeQueries({ queryKey: ['event', entry.eventId] });
  // Lists may gain or lose members (created, deleted, approved, filters): refetch them.
  if (type !== 'event.updated' || !entry.event) void client.invalidateQueries({ queryKey: ['events'] });
  void client.invalidateQueries({ queryKey: ['history', entry.eventId] });
  void client.invalidateQueries({ queryKey: ['scheduler'] });
}

/** Registration messages reach admins and the event's organizer: refresh that event's attendees and counts. */
function applyRegistration(client: QueryClient, data: { eventId: string }): void {
  void client.invalidateQueries({ queryKey: ['registrations', data.eventId] });
  void client.invalidateQueries({ queryKey: ['event', data.eventId] });
}

export function LiveProvider({ sessionKey, children }: { sessionKey: string; children: ReactNode }) {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    // A new session sees other events: reconnect so the server filters for it.
    void sessionKey;
    const source = new EventSource('/api/v1/stream');
    setState('connecting');
    source.onopen = () => setState('live');
    source.onerror = () => setState('reconnecting');
    for (const type of LIVE_TYPES) {
      source.addEventListener(type, (e) => {
        const data = JSON.parse((e as MessageEvent<string>).data);
        if (type === 'hello') {
          syncServerTime((data as LiveEventMap['hello']).serverTime);
          setState('live');
        } else if (isRegistrationLiveType(type)) applyRegistration(client, data);
        else apply(client, type, data);
      });
    }
    return () => source.close();
  }, [client, sessionKey]);
  return <LiveContext.Provider value={state}>{children}</LiveContext.Provider>;
}
