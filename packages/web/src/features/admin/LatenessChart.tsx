/**
 * Firing lateness of recent triggers as bars (SVG, no dependency): one bar per firing, oldest
 * left, with the median line. Text stays in HTML so it keeps its size at every width; the SVG
 * only draws. Labelled for screen readers with the same numbers as the table below it.
 */
const BAR_MAX = 28;

export function LatenessChart({ values, p50 }: { values: number[]; p50: number | null }) {
  if (values.length === 0) return <p className="muted">No firing yet: the chart fills as triggers fire.</p>;
  const width = 600;
  const height = 140;
  const max = Math.max(1, ...values);
  const slot = Math.min(width / values.length, BAR_MAX + 6);
  const y = (v: number) => height - (Math.max(0, v) / max) * (height - 8);
  return (
    <figure className="chart">
      <p className="chart-scale">
        <span>max {max} ms</span>
        {p50 !== null && <span className="chart-median">median {p50} ms</span>}
      </p>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Lateness of the last ${values.length} firings, up to ${max} ms`}
      >
        <line x1="0" x2={width} y1={height - 0.5} y2={height - 0.5} className="axis" />
        {values.map((v, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: bars are positional
          <rect key={i} x={i * slot + 3} y={y(v)} width={Math.max(1, slot - 6)} height={height - y(v)} className="bar">
            <title>{`${v} ms`}</title>
          </rect>
        ))}
        {p50 !== null && <line x1="0" x2={width} y1={y(p50)} y2={y(p50)} className="p50" />}
      </svg>
      <figcaption>
        Firing lateness of the last {values.length} firings, oldest on the left; the dashed line marks the median.
      </figcaption>
    </figure>
  );
}
