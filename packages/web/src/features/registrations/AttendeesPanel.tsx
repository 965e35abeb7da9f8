import { ATTENDEE_PHASES, datesOfView, type EventView, gatePhaseAt, type RegistrationView } from '@kairos/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { EmptyState, ErrorBox } from '../../components/Feedback.tsx';
import { api } from '../../lib/api.ts';
import type { Page } from '../../lib/types.ts';

/** The organizer's list: who registered, the waitlist, and check-in while the event runs. */
export function AttendeesPanel({ event, now }: { event: EventView; now: number }) {
  const client = useQueryClient();
  const key = ['registrations', event.id];
  const list = useQuery({
    queryKey: key,
    queryFn: () => api<Page<RegistrationView>>('GET', `/events/${encodeURIComponent(event.id)}/registrations?limit=200`),
  });
  const checkIn = useMutation({
    mutationFn: (registrationId: string) => api('POST', `/events/${encodeURIComponent(event.id)}/checkins`, { registrationId }),
    onSuccess: () => void client.invalidateQueries({ queryKey: key }),
  });
  const running = gatePhaseAt({ ...datesOfView(event), status: event.status }, now) === ATTENDEE_PHASES.checkIn;
  const items = list.data?.items ?? [];
  return (
    <section className="panel">
      <div className="page-head">
        <h2>Attendees</h2>
        <a href={`/api/v1/events/${encodeURIComponent(event.id)}/registrations?format=csv`} download>
          Download CSV
        </a>
      </div>
      <ErrorBox error={list.error ?? checkIn.error} />
      {items.length === 0 ? (
        <EmptyState title="Nobody has registered yet." />
      ) : (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Status</th>
              <th>Check-in</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id}>
                <td>{r.name}</td>
                <td>{r.email}</td>
                <td>{r.status === 'waitlisted' ? `waitlist #${r.position}` : r.status}</td>
                <td>
                  {r.checkedInAt ? (
                    'checked in'
                  ) : r.status === 'confirmed' ? (
                    <button
                      type="button"
                      disabled={!running || checkIn.isPending}
                      onClick={() => checkIn.mutate(r.id)}
                      title={running ? '' : 'Check-in opens when the event starts'}
                    >
                      Check in
                    </button>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
