import { datesOfView, displayState, type EventView, isScheduled, nextTransition, shownAtOfView } from '@kairos/core';
import { Link } from 'react-router';
import { Countdown } from '../../components/Countdown.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { ZonedTime } from '../../components/ZonedTime.tsx';

export function EventCard({ event, now: clock }: { event: EventView; now: number }) {
  const dates = datesOfView(event);
  // Never older than the server's last word: its message or fetch may be ahead of this tab's clock.
  const now = shownAtOfView(event, clock);
  const state = displayState({ ...dates, status: event.status, phase: event.phase }, now);
  const scheduled = isScheduled(event.status);
  const next = scheduled ? nextTransition(dates, now) : null;
  return (
    <li className="card" data-event-id={event.id}>
      <div className="card-head">
        <h3>
          <Link to={`/events/${encodeURIComponent(event.id)}`}>{event.title}</Link>
        </h3>
        <StatusBadge state={state} />
      </div>
      <p className="card-when">
        <ZonedTime iso={event.startsAt} zone={event.timezone} />
        {event.venue && <span className="muted"> · {event.venue}</span>}
      </p>
      {next && <Countdown to={next.at} phase={next.phase} current={state.phase} />}
    </li>
  );
}
