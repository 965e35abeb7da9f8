import { formatDuration } from '@kairos/core';
import { useSecondTicker } from '../lib/time.ts';

/** What reaching each phase means, as a verb: "Registration opens in 2 min". */
const ARRIVAL: Record<string, string> = {
  registration_open: 'Registration opens',
  registration_closed: 'Registration closes',
  in_progress: 'Starts',
  ended: 'Ends',
  certificates_available: 'Certificates available',
};
const arrival = (phase: string, current?: string) =>
  current === 'certificates_available' && phase === 'ended' ? 'Certificates close' : (ARRIVAL[phase] ?? phase);

/** "Registration open in 2 min 05 s", counted on the server's clock. */
export function Countdown({ to, phase, current }: { to: number; phase: string; current?: string }) {
  const now = useSecondTicker();
  const left = to - now;
  if (left <= 0) return <span className="countdown">{arrival(phase, current)} now</span>;
  return (
    <span className="countdown" data-countdown-to={new Date(to).toISOString()}>
      {arrival(phase, current)} in <strong>{formatDuration(left)}</strong>
    </span>
  );
}
