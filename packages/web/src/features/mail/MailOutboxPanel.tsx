import { type EventView, MAIL_KIND_LABELS, type MailItemView } from '@kairos/core';
import { useQuery } from '@tanstack/react-query';
import { EmptyState, ErrorBox } from '../../components/Feedback.tsx';
import { ZonedTime } from '../../components/ZonedTime.tsx';
import { api } from '../../lib/api.ts';
import type { Page } from '../../lib/types.ts';

/**
 * The event's attendee mail (SPEC §14), for admins and the owning organizer: what was sent, what
 * waits for the SMTP server (or for one to be configured), and why an attempt failed.
 */
export function MailOutboxPanel({ event }: { event: EventView }) {
  const list = useQuery({
    queryKey: ['mail', event.id],
    queryFn: () => api<Page<MailItemView>>('GET', `/events/${encodeURIComponent(event.id)}/mail?limit=200`),
    // Sending happens in the background: look again while something is pending.
    refetchInterval: (q) => (q.state.data?.items.some((m) => m.status === 'pending') ? 5_000 : false),
  });
  const items = list.data?.items ?? [];
  return (
    <section className="panel">
      <h2>E-mail to attendees</h2>
      <ErrorBox error={list.error} />
      {items.length === 0 ? (
        <EmptyState title="No e-mail yet.">
          <p className="muted">Attendees are written to when they register, move off the waitlist, before the start and more.</p>
        </EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Mail</th>
              <th>To</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Sent</th>
            </tr>
          </thead>
          <tbody>
            {items.map((m) => (
              <tr key={m.id}>
                <td>{MAIL_KIND_LABELS[m.kind]}</td>
                <td>{m.to}</td>
                <td title={m.lastError ?? ''}>
                  {m.status}
                  {m.lastError && <span className="muted"> · {m.lastError}</span>}
                </td>
                <td>{m.attempts}</td>
                <td>{m.sentAt ? <ZonedTime iso={m.sentAt} zone={event.timezone} /> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
