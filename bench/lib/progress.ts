/**
 * Progress on stderr: on a terminal, one bar per phase redrawn in place and a line per completed
 * row; otherwise (CI, a pipe) only the row lines, so logs stay short.
 */
const tty = Boolean(process.stderr.isTTY);
let current: { label: string; done: number; total: number; drawnAt: number } | null = null;

function draw(force = false): void {
  if (!tty || !current) return;
  const now = Date.now();
  if (!force && now - current.drawnAt < 100) return;
  current.drawnAt = now;
  const width = 28;
  const ratio = current.total > 0 ? Math.min(1, current.done / current.total) : 0;
  const filled = Math.round(ratio * width);
  const text = `  ${current.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${current.done}/${current.total}`;
  process.stderr.write(`\r\x1b[2K${text.slice(0, (process.stderr.columns || 120) - 1)}`);
}

function clear(): void {
  if (tty && current) process.stderr.write('\r\x1b[2K');
}

/** Start a phase bar; `set` moves it; `end` removes it. */
export function phase(
  label: string,
  total: number,
): { set(done: number, total?: number): void; add(n?: number): void; end(): void } {
  clear();
  current = { label, done: 0, total, drawnAt: 0 };
  const mine = current;
  draw(true);
  return {
    set(done, total) {
      mine.done = done;
      if (total !== undefined) mine.total = total;
      if (current === mine) draw();
    },
    add(n = 1) {
      mine.done += n;
      if (current === mine) draw();
    },
    end() {
      if (current !== mine) return;
      clear();
      current = null;
    },
  };
}

/** One line per completed row (also when not a terminal). */
export function rowLine(text: string): void {
  clear();
  process.stderr.write(`${text}\n`);
  draw(true);
}

/** A section heading: on a terminal only. */
export function heading(text: string): void {
  if (!tty) return;
  clear();
  process.stderr.write(`\n== ${text}\n`);
  draw(true);
}
