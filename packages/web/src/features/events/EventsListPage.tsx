import { PHASES, STATUSES } from '@kairos/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { EmptyState, ErrorBox, Loading } from '../../components/Feedback.tsx';
import { phaseLabel } from '../../components/StatusBadge.tsx';
import { api, qs } from '../../lib/api.ts';
import { useBoundaryNow } from '../../lib/time.ts';
import type { EventView, Page } from '../../lib/types.ts';
import { useSession } from '../auth/session.ts';
import { FeedAddress } from '../calendar/CalendarLinks.tsx';
import { EventCard } from './EventCard.tsx';

export function EventsListPage() {
  const [params, setParams] = useSearchParams();
  const [text, setText] = useState(params.get('q') ?? '');
  const { user } = useSession();
  const filters = { q: params.get('q'), status: params.get('status'), phase: params.get('phase') };
  const query = useInfiniteQuery({
    queryKey: ['events', filters],
    queryFn: ({ pageParam }) => api<Page<EventView>>('GET', `/events${qs({ ...filters, limit: 50, cursor: pageParam })}`),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const events = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const now = useBoundaryNow(events);
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  return (
    <section>
      <div className="page-head">
        <h1>Events</h1>
        {user && (
          <Link className="button" to="/events/new">
            New event
          </Link>
        )}
      </div>
      <FeedAddress />
      <form
        className="filters"
        aria-label="Filter events"
        onSubmit={(e) => {
          e.preventDefault();
          set('q', text.trim());
        }}
      >
        <label>
          Search
          <input
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            onBlur={() => set('q', text.trim())}
            placeholder="Title, venue, description"
          />
        </label>
        <label>
          Status
          <select value={filters.status ?? ''} onChange={(e) => set('status', e.target.value)}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {phaseLabel(s)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Phase
          <select value={filters.phase ?? ''} onChange={(e) => set('phase', e.target.value)}>
            <option value="">Any</option>
            {PHASES.map((p) => (
              <option key={p} value={p}>
                {phaseLabel(p)}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorBox error={query.error} />
      {query.isPending ? (
        <Loading />
      ) : events.length === 0 ? (
        <EmptyState title={filters.q || filters.status || filters.phase ? 'No event matches these filters.' : 'No events yet.'}>
          {user ? <Link to="/events/new">Create the first one</Link> : <p className="muted">New events appear here live.</p>}
        </EmptyState>
      ) : (
        <ul className="cards" aria-label="Events">
          {events.map((e) => (
            <EventCard key={e.id} event={e} now={now} />
          ))}
        </ul>
      )}
      {query.hasNextPage && (
        <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}
