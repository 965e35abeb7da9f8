import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { EmptyState, ErrorBox, Loading } from '../../components/Feedback.tsx';
import { ZonedTime } from '../../components/ZonedTime.tsx';
import { api } from '../../lib/api.ts';
import type { EventView, Page } from '../../lib/types.ts';

/** The approval queue: pending events, oldest start first; approve, or decline with a reason. */
export function ApprovalsPage() {
  const client = useQueryClient();
  const pending = useQuery({
    queryKey: ['events', { status: 'pending_approval' }],
    queryFn: () => api<Page<EventView>>('GET', '/events?status=pending_approval&limit=200'),
  });
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const act = useMutation({
    mutationFn: ({ id, action, reason }: { id: string; action: 'approve' | 'decline'; reason?: string }) =>
      api<EventView>('POST', `/events/${encodeURIComponent(id)}/${action}`, action === 'decline' ? { reason } : {}),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['events'] }),
  });
  const items = useMemo(() => pending.data?.items ?? [], [pending.data]);
  return (
    <section>
      <h1>Approval queue</h1>
      <ErrorBox error={pending.error ?? act.error} />
      {pending.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <EmptyState title="Nothing waits for approval." />
      ) : (
        <ul className="cards" aria-label="Pending events">
          {items.map((e) => (
            <li key={e.id} className="card" data-event-id={e.id}>
              <h3>
                <Link to={`/events/${encodeURIComponent(e.id)}`}>{e.title}</Link>
              </h3>
              <p>
                <ZonedTime iso={e.startsAt} zone={e.timezone} />
              </p>
              <div className="actions">
                <button type="button" onClick={() => act.mutate({ id: e.id, action: 'approve' })}>
                  Approve
                </button>
                <label>
                  Reason
                  <input value={reasons[e.id] ?? ''} onChange={(ev) => setReasons((r) => ({ ...r, [e.id]: ev.target.value }))} />
                </label>
                <button
                  type="button"
                  className="danger"
                  disabled={!(reasons[e.id] ?? '').trim()}
                  onClick={() => act.mutate({ id: e.id, action: 'decline', reason: reasons[e.id] ?? '' })}
                >
                  Decline
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
