import { EmptyState } from '../../components/Feedback.tsx';
import { phaseLabel } from '../../components/StatusBadge.tsx';
import { ZonedTime } from '../../components/ZonedTime.tsx';
import type { HistoryEntryView } from '../../lib/types.ts';

const CAUSES: Record<string, string> = {
  schedule: 'on schedule',
  recovery: 'after a restart',
  edit: 'edited',
  create: 'created',
  approval: 'approved',
  decline: 'declined',
  cancel: 'cancelled',
  delete: 'deleted',
};

export function History({ entries, zone }: { entries: HistoryEntryView[]; zone: string }) {
  if (entries.length === 0) return <EmptyState title="No history yet." />;
  return (
    <ol className="history">
      {entries.map((h) => (
        <li key={h.seq}>
          <ZonedTime iso={h.at} zone={zone} /> — <strong>{CAUSES[h.cause] ?? h.cause}</strong>
          {h.from && (h.from.phase !== h.to.phase || h.from.status !== h.to.status) && (
            <span>
              : {phaseLabel(h.from.phase)} → {phaseLabel(h.to.phase)}
            </span>
          )}
          {h.lateMs !== null && <span className="muted"> ({h.lateMs} ms after due)</span>}
          {h.reason && <span className="muted"> — “{h.reason}”</span>}
        </li>
      ))}
    </ol>
  );
}
