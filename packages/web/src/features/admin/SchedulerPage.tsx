import { formatDuration, formatInZone } from '@kairos/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { EmptyState, ErrorBox, Loading } from '../../components/Feedback.tsx';
import { triggerLabel } from '../../components/StatusBadge.tsx';
import { api } from '../../lib/api.ts';
import { useSecondTicker, viewerZone } from '../../lib/time.ts';
import type { SchedulerStatus } from '../../lib/types.ts';
import { LatenessChart } from './LatenessChart.tsx';

function NextTrigger({ at }: { at: number }) {
  const now = useSecondTicker();
  return (
    <strong data-next-trigger-at={new Date(at).toISOString()}>
      {at > now ? `in ${formatDuration(at - now)}` : 'firing now'}
    </strong>
  );
}

/** Admin dashboard. Refreshed by the live stream (every firing invalidates it), never polled. */
export function SchedulerPage() {
  const q = useQuery({ queryKey: ['scheduler'], queryFn: () => api<SchedulerStatus>('GET', '/scheduler') });
  if (q.isPending) return <Loading />;
  if (!q.data) return <ErrorBox error={q.error} />;
  const s = q.data;
  const recent = [...s.recent].reverse();
  return (
    <section>
      <h1>Scheduler</h1>
      <dl className="stats">
        <div>
          <dt>State</dt>
          <dd data-running={s.running}>{s.running ? `Running (${s.mode})` : 'Stopped'}</dd>
        </div>
        <div>
          <dt>Triggers queued</dt>
          <dd data-testid="queued">{s.triggersQueued}</dd>
        </div>
        <div>
          <dt>Next trigger</dt>
          <dd className="next-trigger">
            {s.nextTrigger ? (
              <>
                {triggerLabel(s.nextTrigger.trigger)}:{' '}
                <Link to={`/events/${encodeURIComponent(s.nextTrigger.eventId)}`}>
                  {s.nextTrigger.title ?? s.nextTrigger.eventId}
                </Link>{' '}
                <NextTrigger at={Date.parse(s.nextTrigger.dueAt)} />
              </>
            ) : (
              'none'
            )}
          </dd>
        </div>
        <div>
          <dt>Lateness p50 / p99 / max</dt>
          <dd data-testid="lateness">
            {s.lateness.count === 0
              ? '—'
              : `${s.lateness.p50Ms} / ${s.lateness.p99Ms} / ${s.lateness.maxMs} ms (${s.lateness.count} ${s.lateness.count === 1 ? 'firing' : 'firings'})`}
          </dd>
        </div>
      </dl>
      <LatenessChart values={recent.map((r) => r.lateMs)} p50={s.lateness.p50Ms} />
      <h2>Upcoming</h2>
      {s.upcoming.length === 0 ? (
        <EmptyState title="No trigger is pending." />
      ) : (
        <table>
          <thead>
            <tr>
              <th>Due</th>
              <th>Trigger</th>
              <th>Event</th>
            </tr>
          </thead>
          <tbody>
            {s.upcoming.map((t) => (
              <tr key={`${t.eventId}-${t.trigger}`}>
                <td>
                  <time dateTime={t.dueAt}>{formatInZone(Date.parse(t.dueAt), viewerZone())}</time>
                </td>
                <td data-trigger={t.trigger}>{triggerLabel(t.trigger)}</td>
                <td>{t.title}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Recent firings</h2>
      {s.recent.length === 0 ? (
        <EmptyState title="Nothing has fired since the server started." />
      ) : (
        <table className="recent">
          <thead>
            <tr>
              <th>Fired</th>
              <th>Trigger</th>
              <th>Event</th>
              <th>Lateness</th>
              <th>Cause</th>
            </tr>
          </thead>
          <tbody>
            {s.recent.map((r) => (
              <tr key={`${r.eventId}-${r.trigger}-${r.firedAt}`}>
                <td>
                  <time dateTime={r.firedAt}>{formatInZone(Date.parse(r.firedAt), viewerZone())}</time>
                </td>
                <td data-trigger={r.trigger}>{triggerLabel(r.trigger)}</td>
                <td>{r.title}</td>
                <td data-late-ms={r.lateMs}>{r.lateMs} ms</td>
                <td>{r.cause}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
