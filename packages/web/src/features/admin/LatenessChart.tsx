/**
 * Firing lateness of recent triggers as bars (SVG, no dependency): one bar per firing, oldest
 * left, with the p50 line. Labelled for screen readers with the same numbers as the table.
 */
export function LatenessChart({ values, p50 }: { values: number[]; p50: number | null }) {
  if (values.length === 0) return <p className="muted">No firing yet: the chart fills as triggers fire.</p>;
  const width = 600;
  const height = 160;
  const max = Math.max(1, ...values);
  const bar = width / values.length;
  const y = (v: number) => height - 20 - (Math.max(0, v) / max) * (height - 40);
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Lateness of the last ${values.length} firings, up to ${max} ms`}
      >
        <line x1="0" x2={width} y1={height - 20} y2={height - 20} className="axis" />
        {values.map((v, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: bars are positional
          <g key={i}>
            <rect x={i * bar + 2} y={y(v)} width={Math.max(1, bar - 4)} height={height - 20 - y(v)} className="bar">
              <title>{`${v} ms`}</title>
            </rect>
          </g>
        ))}
        {p50 !== null && <line x1="0" x2={width} y1={y(p50)} y2={y(p50)} className="p50" />}
        <text x="4" y="14" className="label">
          {max} ms
        </text>
        <text x="4" y={height - 4} className="label">
          oldest → newest
        </text>
      </svg>
      <figcaption>Firing lateness (ms) of recent triggers; the line marks the median.</figcaption>
    </figure>
  );
}
