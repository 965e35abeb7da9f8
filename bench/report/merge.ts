/**
 * What docs/benchmarks.md shows: a partial run (`--only`) replaces only its own sections. The
 * rest come from the results files in bench/results: the page's header describes the newest
 * complete run (full sizes before quick), and each other section is the newest measurement of it
 * made since then. A complete run (no `--only`) is the whole page on its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Results, Section } from '../lib/results.ts';

export interface Sourced {
  section: Section;
  /** The results file it was measured in (relative to the repository), and that run. */
  file: string;
  results: Results;
}

export interface Doc {
  primary: Results;
  primaryFile: string;
  sections: Sourced[];
}

/** `<timestamp>[-quick][+note].json` as main.ts names them; the soak and torture files have other shapes. */
const RUN_FILE = /^\d{4}-\d\d-\d\dT[\d-]+Z.*\.json$/;

function readRuns(dir: string, relDir: string): Array<{ file: string; results: Results }> {
  if (!fs.existsSync(dir)) return [];
  const out: Array<{ file: string; results: Results }> = [];
  for (const name of fs.readdirSync(dir)) {
    if (!RUN_FILE.test(name)) continue;
    try {
      const results = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as Results;
      if (Array.isArray(results.sections) && typeof results.startedAt === 'string')
        out.push({ file: `${relDir}/${name}`, results });
    } catch {
      // Not a run's results file: skip it.
    }
  }
  return out;
}

const newestFirst = (a: { file: string; results: Results }, b: { file: string; results: Results }) =>
  b.results.startedAt.localeCompare(a.results.startedAt) || b.file.localeCompare(a.file);

export function mergeRuns(current: Results, currentFile: string, resultsDir: string, relResultsDir: string): Doc {
  const own = (section: Section): Sourced => ({ section, file: currentFile, results: current });
  if (current.only === null) return { primary: current, primaryFile: currentFile, sections: current.sections.map(own) };
  const others = readRuns(resultsDir, relResultsDir)
    .filter((r) => path.basename(r.file) !== path.basename(currentFile))
    .sort(newestFirst);
  const complete = others.filter((r) => r.results.only === null);
  const base = complete.find((r) => !r.results.quick) ?? complete[0];
  if (!base) return { primary: current, primaryFile: currentFile, sections: current.sections.map(own) };
  // Partial runs since the base, newest first: they may hold sections the base has not (a new one) or newer ones.
  // Full sizes before quick ones, as for the base.
  const since = others
    .filter((r) => r.results.only !== null && r.results.startedAt >= base.results.startedAt)
    .sort((a, b) => Number(a.results.quick) - Number(b.results.quick));
  const pick = new Map<string, Sourced>();
  for (const s of current.sections) pick.set(s.id, own(s));
  for (const run of [...since, base])
    for (const section of run.results.sections) if (!pick.has(section.id)) pick.set(section.id, { section, ...run });
  // The base's order, then what it lacks in the order first met.
  const order = [...base.results.sections.map((s) => s.id), ...pick.keys()];
  const sections = [...new Set(order)].flatMap((id) => pick.get(id) ?? []);
  return { primary: base.results, primaryFile: base.file, sections };
}
