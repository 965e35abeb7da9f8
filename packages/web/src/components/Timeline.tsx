import { boundaries, datesOfView, type EventView, isScheduled, lifecycleAt, type TimePhase } from '@kairos/core';
import { phaseLabel } from './StatusBadge.tsx';
import { ZonedTime } from './ZonedTime.tsx';

/**
 * The phases the event's dates define (SPEC §4), each from its start boundary, with the current
 * one marked. Computed by the shared lifecycle function at each boundary instant.
 */
export function Timeline({ event, now }: { event: EventView; now: number }) {
  const dates = datesOfView(event);
  const first = lifecycleAt(dates, Number.MIN_SAFE_INTEGER);
  const steps: Array<{ phase: TimePhase; at: number | null }> = [{ phase: first.phase, at: null }];
  for (const b of boundaries(dates)) {
    const s = lifecycleAt(dates, b.at);
    const last = steps[steps.length - 1];
    if (last && last.phase !== s.phase) steps.push({ phase: s.phase, at: b.at });
  }
  const current = isScheduled(event.status) ? lifecycleAt(dates, now).phase : null;
  const currentIndex = current ? steps.findLastIndex((s) => s.phase === current) : -1;
  return (
    <ol className="timeline" aria-label="Phases">
      {steps.map((s, i) => {
        const state = i === currentIndex ? 'current' : i < currentIndex ? 'past' : 'future';
        return (
          <li key={`${s.phase}-${s.at}`} className={`step step-${state}`} aria-current={state === 'current' ? 'step' : undefined}>
            <span className="step-name">
              {phaseLabel(s.phase)}
              {state === 'current' && <span className="sr-only"> (current)</span>}
            </span>
            {s.at !== null && <ZonedTime iso={new Date(s.at).toISOString()} zone={event.timezone} />}
          </li>
        );
      })}
    </ol>
  );
}
