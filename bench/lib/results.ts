/** The shape of bench/results/<timestamp>.json, which docs/benchmarks.md is generated from. */

export type Cell = number | string | null;

export interface Row {
  /** What this row measures within its section, e.g. "100 000 pending". */
  group: string;
  system: string;
  kairos: boolean;
  cells: Record<string, Cell>;
  goal?: string;
  met?: boolean | null;
  /** 101 quantiles of the row's samples (lateness, or fire times for a burst): the charts' data. */
  curve?: Array<number | null>;
  note?: string;
}

export interface Column {
  key: string;
  label: string;
  digits?: number;
}

export interface Section {
  id: string;
  title: string;
  about: string;
  columns: Column[];
  /** The column Kairos is compared on with the best peer of its group. */
  compare?: {
    key: string;
    lowerIsBetter: boolean;
    /** The ratio column's header and the sentence under the table, when "best peer" is not what it is. */
    label?: string;
    note?: string;
  };
  rows: Row[];
  notes: string[];
  /** Which chart this section's curves feed, if any. */
  chart?: { file: string; title: string; xLabel: string; yLabel: string; group: string; yScale: number };
}

export interface Results {
  startedAt: string;
  finishedAt: string;
  durationS: number;
  quick: boolean;
  only: string[] | null;
  machine: { cpu: string; cores: number; ramGb: number; os: string; node: string };
  versions: Record<string, string>;
  settings: Record<string, string | number | boolean>;
  sections: Section[];
}
