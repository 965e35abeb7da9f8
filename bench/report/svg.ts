/**
 * Hand-written SVG line charts (no chart library): a log-scale x axis in milliseconds, a linear
 * y axis, one polyline per system, a legend. Text stays legible at the page's width.
 */
export interface Series {
  name: string;
  /** 101 quantiles (x values for y = 0 %, 1 %, … 100 % of yScale); null = never happened. */
  curve: Array<number | null>;
  emphasis: boolean;
}

const W = 760;
const H = 420;
const M = { left: 70, right: 20, top: 40, bottom: 150 };
const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

function label(v: number): string {
  if (v >= 1000) return `${v / 1000} s`;
  return `${v} ms`;
}

export function lineChart(opts: { title: string; xLabel: string; yLabel: string; yScale: number; series: Series[] }): string {
  const values = opts.series.flatMap((s) => s.curve.filter((v): v is number => v !== null));
  const lo = 0.1;
  const hiRaw = Math.max(10, ...values);
  const decades = { min: Math.log10(lo), max: Math.ceil(Math.log10(hiRaw)) };
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (v: number) => M.left + ((Math.log10(Math.max(lo, v)) - decades.min) / (decades.max - decades.min)) * pw;
  const y = (share: number) => M.top + ph - share * ph;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="13">`,
  );
  out.push(`<title>${esc(opts.title)}</title>`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${esc(opts.title)}</text>`);
  for (let d = decades.min; d <= decades.max; d++) {
    const v = 10 ** d;
    const px = x(v);
    out.push(`<line x1="${px}" y1="${M.top}" x2="${px}" y2="${M.top + ph}" stroke="#ddd"/>`);
    out.push(`<text x="${px}" y="${M.top + ph + 18}" text-anchor="middle">${label(Number(v.toPrecision(1)))}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const share = i / 4;
    const py = y(share);
    const v = opts.yScale === 1 ? `${share * 100} %` : String(Math.round(share * opts.yScale));
    out.push(`<line x1="${M.left}" y1="${py}" x2="${M.left + pw}" y2="${py}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 6}" y="${py + 4}" text-anchor="end">${v}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#555"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${M.top + ph + 38}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`);
  opts.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.curve.flatMap((v, q) => (v === null ? [] : [`${x(v).toFixed(1)},${y(q / 100).toFixed(1)}`]));
    const width = s.emphasis ? 3 : 1.8;
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="${width}" points="${pts.join(' ')}"/>`);
    const col = i % 2;
    const rowY = M.top + ph + 60 + Math.floor(i / 2) * 20;
    const lx = M.left + col * (pw / 2);
    out.push(`<line x1="${lx}" y1="${rowY - 4}" x2="${lx + 24}" y2="${rowY - 4}" stroke="${color}" stroke-width="${width}"/>`);
    out.push(`<text x="${lx + 30}" y="${rowY}"${s.emphasis ? ' font-weight="bold"' : ''}>${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
