import { formatDuration } from '@kairos/core';
import { useSecondTicker } from '../lib/time.ts';
import { phaseLabel } from './StatusBadge.tsx';

/** "Registration open in 2 min 05 s", counted on the server's clock. */
export function Countdown({ to, phase }: { to: number; phase: string }) {
  const now = useSecondTicker();
  const left = to - now;
  if (left <= 0) return <span className="countdown">{phaseLabel(phase)} now</span>;
  return (
    <span className="countdown" data-countdown-to={new Date(to).toISOString()}>
      {phaseLabel(phase)} in <strong>{formatDuration(left)}</strong>
    </span>
  );
}
