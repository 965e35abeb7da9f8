import { formatInZone, type TriggerKind } from '@kairos/core';
import { phaseLabel, triggerLabel } from '../../components/StatusBadge.tsx';
import type { EditEffects } from '../../lib/types.ts';

/** What an edit will do, in words, from `PATCH ?dryRun=true`. */
export function describeEffects(effects: EditEffects, zone: string): string[] {
  const at = (iso: string | null) => (iso ? formatInZone(Date.parse(iso), zone) : '');
  const lines: string[] = [];
  if (effects.transition) {
    lines.push(`${phaseLabel(effects.transition.to.phase)} now (was ${phaseLabel(effects.transition.from.phase).toLowerCase()})`);
  }
  const removed = new Set(effects.triggers.filter((t) => t.change === 'removed').map((t) => t.trigger));
  const pairs: Array<[TriggerKind, TriggerKind, string]> = [
    ['registration_open', 'registration_close', 'Registration window removed'],
    ['certificates_open', 'certificates_close', 'Certificates window removed'],
  ];
  for (const [a, b, text] of pairs) {
    if (removed.has(a) && removed.has(b)) {
      lines.push(text);
      removed.delete(a);
      removed.delete(b);
    }
  }
  for (const t of effects.triggers) {
    const name = triggerLabel(t.trigger);
    if (t.change === 'moved') lines.push(`${name}: moves from ${at(t.from)} to ${at(t.to)}`);
    else if (t.change === 'added') lines.push(`${name}: scheduled for ${at(t.to)}`);
    else if (removed.has(t.trigger)) lines.push(`${name}: no longer scheduled (was ${at(t.from)})`);
  }
  return lines;
}

export function EditPreview({ effects, zone }: { effects: EditEffects | null; zone: string }) {
  if (!effects) return null;
  const lines = describeEffects(effects, zone);
  return (
    <section className="preview" aria-live="polite" aria-label="What this edit will do">
      <h2>What saving will do</h2>
      {lines.length === 0 ? (
        <p className="muted">No change to the schedule.</p>
      ) : (
        <ul>
          {lines.map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
