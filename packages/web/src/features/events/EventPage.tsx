import {
  allows,
  canCancel,
  canDelete,
  canEdit,
  canManageAttendees,
  canReview,
  canSubmit,
  datesOfView,
  displayState,
  formatDuration,
  isScheduled,
  nextTransition,
  shownAtOfView,
  type Viewer,
} from '@kairos/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Countdown } from '../../components/Countdown.tsx';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { Timeline } from '../../components/Timeline.tsx';
import { ZonedTime } from '../../components/ZonedTime.tsx';
import { api } from '../../lib/api.ts';
import { useBoundaryNow } from '../../lib/time.ts';
import type { EventView, HistoryEntryView, Page } from '../../lib/types.ts';
import { useSession } from '../auth/session.ts';
import { AddToCalendar } from '../calendar/CalendarLinks.tsx';
import { MailOutboxPanel } from '../mail/MailOutboxPanel.tsx';
import { AttendeesPanel } from '../registrations/AttendeesPanel.tsx';
import { RegistrationPanel } from '../registrations/RegistrationPanel.tsx';
import { History } from './History.tsx';

/** The workflow buttons' mutation: after delete go home, otherwise show the event as it now is. */
function useEventAction(id: string) {
  const client = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: ({ action, body }: { action: string; body?: unknown }) =>
      action === 'delete'
        ? api<undefined>('DELETE', `/events/${encodeURIComponent(id)}`)
        : api<EventView>('POST', `/events/${encodeURIComponent(id)}/${action}`, body ?? {}),
    onSuccess: (data, { action }) => {
      if (action === 'delete') {
        navigate('/');
        return;
      }
      if (data) client.setQueryData(['event', id], data);
      void client.invalidateQueries({ queryKey: ['events'] });
      void client.invalidateQueries({ queryKey: ['history', id] });
    },
  });
}

function Facts({ e }: { e: EventView }) {
  return (
    <dl className="facts">
      <dt>Starts</dt>
      <dd>
        <ZonedTime iso={e.startsAt} zone={e.timezone} />
      </dd>
      <dt>Ends</dt>
      <dd>
        <ZonedTime iso={e.endsAt} zone={e.timezone} />
      </dd>
      <dt>Time zone</dt>
      <dd>{e.timezone}</dd>
      {e.venue && (
        <>
          <dt>Venue</dt>
          <dd>{e.venue}</dd>
        </>
      )}
      {e.capacity !== null && (
        <>
          <dt>Capacity</dt>
          <dd>{e.capacity}</dd>
        </>
      )}
      <dt>Reminder</dt>
      <dd>
        {e.reminderMinutesBefore === null
          ? 'none'
          : `${formatDuration(e.reminderMinutesBefore * 60_000)} before the start, by e-mail`}
      </dd>
    </dl>
  );
}

/** The buttons this viewer may use on this event: the same rules the server enforces (core). */
function Actions({ e, viewer }: { e: EventView; viewer: Viewer }) {
  const act = useEventAction(e.id);
  const [reason, setReason] = useState('');
  const owned = { status: e.status, createdBy: e.createdBy };
  const may = {
    submit: allows('submit', e.status) && canSubmit(viewer, owned),
    approve: allows('approve', e.status) && canReview(viewer),
    decline: allows('decline', e.status) && canReview(viewer),
    cancel: allows('cancel', e.status) && canCancel(viewer, owned),
  };
  return (
    <>
      <div className="actions">
        {canEdit(viewer, owned) && (
          <Link className="button" to={`/events/${encodeURIComponent(e.id)}/edit`}>
            Edit
          </Link>
        )}
        {may.submit && (
          <button type="button" onClick={() => act.mutate({ action: 'submit' })}>
            Submit
          </button>
        )}
        {may.approve && (
          <button type="button" onClick={() => act.mutate({ action: 'approve' })}>
            Approve
          </button>
        )}
        {(may.decline || may.cancel) && (
          <span className="with-reason">
            <label>
              Reason
              <input value={reason} onChange={(ev) => setReason(ev.target.value)} placeholder="Why?" />
            </label>
            {may.decline && (
              <button type="button" disabled={!reason.trim()} onClick={() => act.mutate({ action: 'decline', body: { reason } })}>
                Decline
              </button>
            )}
            {may.cancel && (
              <button
                type="button"
                className="danger"
                disabled={!reason.trim()}
                onClick={() => act.mutate({ action: 'cancel', body: { reason } })}
              >
                Cancel event
              </button>
            )}
          </span>
        )}
        {canDelete(viewer, owned) && (
          <button
            type="button"
            className="danger"
            onClick={() => {
              if (window.confirm(`Delete “${e.title}”? Its history is kept.`)) act.mutate({ action: 'delete' });
            }}
          >
            Delete
          </button>
        )}
      </div>
      <ErrorBox error={act.error} />
    </>
  );
}

export function EventPage() {
  const { id = '' } = useParams();
  const { viewer } = useSession();
  const event = useQuery({ queryKey: ['event', id], queryFn: () => api<EventView>('GET', `/events/${encodeURIComponent(id)}`) });
  const history = useQuery({
    queryKey: ['history', id],
    queryFn: () => api<Page<HistoryEntryView>>('GET', `/events/${encodeURIComponent(id)}/history?limit=200`),
    enabled: event.isSuccess,
  });
  const shown = useMemo(() => (event.data ? [event.data] : []), [event.data]);
  const clock = useBoundaryNow(shown);

  if (event.isPending) return <Loading />;
  if (event.error || !event.data) return <ErrorBox error={event.error} />;
  const e = event.data;
  const dates = datesOfView(e);
  // Never older than the server's last word: its message or fetch may be ahead of this tab's clock.
  const now = shownAtOfView(e, clock);
  const state = displayState({ ...dates, status: e.status, phase: e.phase }, now);
  const next = isScheduled(e.status) ? nextTransition(dates, now) : null;

  return (
    <article className="event-page">
      <div className="page-head">
        <h1>{e.title}</h1>
        <StatusBadge state={state} />
      </div>
      {next && (
        <p>
          <Countdown to={next.at} phase={next.phase} current={state.phase} />
        </p>
      )}
      <Facts e={e} />
      <p>
        <AddToCalendar id={e.id} />
      </p>
      {e.description && <p className="description">{e.description}</p>}
      {isScheduled(e.status) && <RegistrationPanel event={e} now={now} />}
      {canManageAttendees(viewer, e) && isScheduled(e.status) && <AttendeesPanel event={e} now={now} />}
      {canManageAttendees(viewer, e) && (isScheduled(e.status) || e.status === 'cancelled') && <MailOutboxPanel event={e} />}
      {viewer.role !== 'public' && <Actions e={e} viewer={viewer} />}

      <h2>Timeline</h2>
      {isScheduled(e.status) ? (
        <Timeline event={e} now={now} />
      ) : (
        <p className="muted">The timeline runs once the event is approved.</p>
      )}

      <h2>History</h2>
      <ErrorBox error={history.error} />
      {history.data && <History entries={history.data.items} zone={e.timezone} />}
    </article>
  );
}
