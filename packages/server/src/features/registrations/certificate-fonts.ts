/**
 * Fonts for certificates: Noto Sans from the `@fontsource/*` npm packages (installed with the
 * server, nothing fetched at run time). Each package splits a family into files by Unicode
 * range and says which range each file covers in its CSS; a character is drawn with the first
 * file whose range holds it, and only the files a document needs are embedded, each subset to
 * the glyphs used (`@pdf-lib/fontkit`). Families, in order of preference: Noto Sans (Latin,
 * Greek, Cyrillic, Vietnamese, Devanagari), Noto Sans Arabic, Noto Sans SC (Chinese, in 101
 * slices of a few hundred characters, so a name embeds a few small files, not a 10 MB font).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type Weight = 400 | 700;

export interface FontFile {
  /** Absolute path of the WOFF file (pdf-lib's fontkit reads WOFF; WOFF2 needs Brotli it lacks). */
  file: string;
  ranges: ReadonlyArray<readonly [number, number]>;
  rtl: boolean;
}

const FAMILIES = [
  { pkg: '@fontsource/noto-sans', rtl: false },
  { pkg: '@fontsource/noto-sans-arabic', rtl: true },
  { pkg: '@fontsource/noto-sans-sc', rtl: false },
] as const;

const require = createRequire(import.meta.url);

function parseRanges(css: string): Array<readonly [number, number]> {
  return css.split(',').map((part) => {
    const [from, to] = part.trim().replace(/^U\+/i, '').split('-');
    const a = Number.parseInt(from ?? '', 16);
    return [a, to ? Number.parseInt(to, 16) : a] as const;
  });
}

/** The @font-face blocks of one package's CSS for a weight, as files with their ranges. */
function filesOf(pkg: string, weight: Weight, rtl: boolean): FontFile[] {
  const cssPath = require.resolve(`${pkg}/${weight}.css`);
  const css = fs.readFileSync(cssPath, 'utf8');
  const out: FontFile[] = [];
  for (const block of css.split('@font-face').slice(1)) {
    const url = /url\(\.\/(files\/[^)]+\.woff)\)/.exec(block)?.[1];
    const range = /unicode-range:\s*([^;]+);/.exec(block)?.[1];
    if (url && range) out.push({ file: path.join(path.dirname(cssPath), url), ranges: parseRanges(range), rtl });
  }
  return out;
}

const cache = new Map<Weight, FontFile[]>();

/** Every file of every family for a weight, in order of preference (read once per process). */
export function fontFiles(weight: Weight): FontFile[] {
  let files = cache.get(weight);
  if (!files) {
    files = FAMILIES.flatMap((f) => filesOf(f.pkg, weight, f.rtl));
    cache.set(weight, files);
  }
  return files;
}

/** The file that draws this code point, or null when none of the families has it. */
export function fontFor(codePoint: number, weight: Weight): FontFile | null {
  for (const f of fontFiles(weight)) {
    if (f.ranges.some(([a, b]) => codePoint >= a && codePoint <= b)) return f;
  }
  return null;
}
