import { useLiveState } from '../lib/live.tsx';

const TEXT = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' } as const;

export function LiveIndicator() {
  const state = useLiveState();
  return (
    <span className={`live live-${state}`} role="status" aria-live="polite" data-live={state}>
      <span className="dot" aria-hidden="true" /> {TEXT[state]}
    </span>
  );
}
