import { ATTENDEE_PHASES, datesOfView, type EventView, gatePhaseAt, type RegistrationView, shownAtOfView } from '@kairos/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { ZonedTime } from '../../components/ZonedTime.tsx';
import { api } from '../../lib/api.ts';
import { useBoundaryNow } from '../../lib/time.ts';

/** The attendee's own page, reached through the link with the registration token (no account). */
export function AttendeePage() {
  const { id = '' } = useParams();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const client = useQueryClient();
  const q = `?token=${encodeURIComponent(token)}`;
  const reg = useQuery({
    queryKey: ['registration', id],
    queryFn: () => api<RegistrationView>('GET', `/registrations/${encodeURIComponent(id)}${q}`),
  });
  const event = useQuery({
    queryKey: ['event', reg.data?.eventId],
    queryFn: () => api<EventView>('GET', `/events/${encodeURIComponent(reg.data?.eventId ?? '')}`),
    enabled: !!reg.data,
  });
  const shown = useMemo(() => (event.data ? [event.data] : []), [event.data]);
  const now = useBoundaryNow(shown);
  const cancel = useMutation({
    mutationFn: () => api('DELETE', `/registrations/${encodeURIComponent(id)}${q}`),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['registration', id] }),
  });
  if (reg.isPending) return <Loading />;
  if (!reg.data) return <ErrorBox error={reg.error} />;
  const r = reg.data;
  const e = event.data;
  const certificates =
    e && gatePhaseAt({ ...datesOfView(e), status: e.status }, shownAtOfView(e, now)) === ATTENDEE_PHASES.certificate;
  return (
    <section className="narrow">
      <h1>Your registration</h1>
      {e && (
        <p>
          <Link to={`/events/${encodeURIComponent(e.id)}`}>{e.title}</Link> — <ZonedTime iso={e.startsAt} zone={e.timezone} />
        </p>
      )}
      <p role="status">
        {r.name}:{' '}
        <strong>
          {r.status === 'waitlisted' ? `number ${r.position} on the waitlist` : r.status === 'confirmed' ? 'confirmed' : r.status}
        </strong>
        {r.checkedInAt && ' · checked in'}
      </p>
      {certificates && r.checkedInAt && (
        <p>
          <a className="button" href={`/api/v1/registrations/${encodeURIComponent(r.id)}/certificate.pdf${q}`} download>
            Download your certificate (PDF)
          </a>
        </p>
      )}
      {(r.status === 'confirmed' || r.status === 'waitlisted') && (
        <button
          type="button"
          className="danger"
          onClick={() => {
            if (window.confirm('Cancel your registration?')) cancel.mutate();
          }}
        >
          Cancel my registration
        </button>
      )}
      <ErrorBox error={cancel.error} />
    </section>
  );
}
