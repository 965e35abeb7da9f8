import type { LifecycleState } from '@kairos/core';

const LABELS: Record<string, string> = {
  scheduled: 'Scheduled',
  registration_not_started: 'Registration not open yet',
  registration_open: 'Registration open',
  registration_closed: 'Registration closed',
  in_progress: 'In progress',
  certificates_available: 'Certificates available',
  ended: 'Ended',
  draft: 'Draft',
  pending_approval: 'Pending approval',
  declined: 'Declined',
  cancelled: 'Cancelled',
};

export const phaseLabel = (phase: string): string => LABELS[phase] ?? phase;

/** Status in words and colour: the text alone says it all (colour is only a second cue). */
export function StatusBadge({ state }: { state: LifecycleState }) {
  return (
    <span className={`badge badge-${state.phase}`} data-phase={state.phase} data-status={state.status}>
      {phaseLabel(state.phase)}
    </span>
  );
}
