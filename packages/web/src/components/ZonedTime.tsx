import { zoned } from '../lib/time.ts';

/** An instant in the event's zone and, when it differs, the viewer's. */
export function ZonedTime({ iso, zone }: { iso: string; zone: string }) {
  const t = zoned(iso, zone);
  return (
    <time dateTime={iso} className="zoned">
      {t.event}
      {t.viewer && <span className="viewer-time"> · your time {t.viewer}</span>}
    </time>
  );
}
