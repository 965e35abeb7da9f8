import { type LifecycleState, PHASE_LABELS, SCHEDULE_LABELS } from '@kairos/core';

export const phaseLabel = (phase: string): string => (PHASE_LABELS as Record<string, string>)[phase] ?? phase;
export const triggerLabel = (trigger: string): string => (SCHEDULE_LABELS as Record<string, string>)[trigger] ?? trigger;

/** Status in words and colour: the text alone says it all (colour is only a second cue). */
export function StatusBadge({ state }: { state: LifecycleState }) {
  return (
    <span className={`badge badge-${state.phase}`} data-phase={state.phase} data-status={state.status}>
      {phaseLabel(state.phase)}
    </span>
  );
}
