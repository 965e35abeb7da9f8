import { formatInZone, type Page, type WebhookDeliveryView } from '@kairos/core';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { EmptyState, ErrorBox, Loading } from '../../components/Feedback.tsx';
import { api, qs } from '../../lib/api.ts';
import { viewerZone } from '../../lib/time.ts';

const when = (iso: string | null) => (iso ? formatInZone(Date.parse(iso), viewerZone()) : '—');

/** One endpoint's deliveries, newest first, with a retry button on each. */
export function DeliveryLog({ webhookId }: { webhookId: string }) {
  const client = useQueryClient();
  const key = ['webhook-deliveries', webhookId];
  const log = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) =>
      api<Page<WebhookDeliveryView>>('GET', `/webhooks/${webhookId}/deliveries${qs({ limit: 50, cursor: pageParam })}`),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    // Pending deliveries change by themselves: look again while any is pending.
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some((d) => d.status === 'pending')) ? 5000 : false),
  });
  const retry = useMutation({
    mutationFn: (id: string) => api<WebhookDeliveryView>('POST', `/webhooks/${webhookId}/deliveries/${id}/retry`),
    onSuccess: () => void client.invalidateQueries({ queryKey: key }),
  });
  const items = log.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-label="Delivery log">
      <h2>Delivery log</h2>
      <ErrorBox error={log.error ?? retry.error} />
      {log.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <EmptyState title="Nothing delivered yet">
          <p>Deliveries appear here as soon as an event or registration changes.</p>
        </EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Created</th>
              <th>Type</th>
              <th>Seq</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Last answer</th>
              <th>Next attempt</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id}>
                <td>{when(d.createdAt)}</td>
                <td>{d.type}</td>
                <td>{d.seq ?? '—'}</td>
                <td className={`delivery-${d.status}`}>{d.status}</td>
                <td>{d.attempts}</td>
                <td>
                  {d.lastStatusCode ?? ''} {d.lastError && <span className="muted">{d.lastError}</span>}
                </td>
                <td>{d.status === 'pending' ? when(d.nextAttemptAt) : '—'}</td>
                <td>
                  <button type="button" className="link" disabled={retry.isPending} onClick={() => retry.mutate(d.id)}>
                    Retry now
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {log.hasNextPage && (
        <button type="button" onClick={() => void log.fetchNextPage()} disabled={log.isFetchingNextPage}>
          Show older deliveries
        </button>
      )}
    </section>
  );
}
