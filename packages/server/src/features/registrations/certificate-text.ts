/**
 * Text for certificates in any script: split into runs, each drawn with the embedded font that
 * has its characters (certificate-fonts.ts), laid out left to right in visual order.
 *
 * Shaping is fontkit's (pdf-lib lays text out with it): GSUB substitutions apply, so Arabic
 * letters join and come out in visual order, and Devanagari gets its conjuncts and reordered
 * vowel signs. GPOS positioning does not: pdf-lib advances by each glyph's width, so marks that
 * need placing (some Devanagari and Arabic diacritics) may sit a little off. The text layer
 * (ToUnicode) maps glyphs back to characters, so the name can be searched and copied.
 * Runs are put in visual order by a simple bidi pass (paragraph direction from the first strong
 * character; neutral spaces take their neighbours' direction), enough for names.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { PDFDocument, PDFFont } from 'pdf-lib';
import { type FontFile, fontFiles, fontFor, type Weight } from './certificate-fonts.ts';
import { woffToSfnt } from './woff.ts';

// @pdf-lib/fontkit's Indic shaper is compiled to generators that expect Babel's
// `regeneratorRuntime` as a global (without it every Devanagari layout throws a ReferenceError).
const globals = globalThis as { regeneratorRuntime?: unknown };
globals.regeneratorRuntime ??= createRequire(import.meta.url)('regenerator-runtime');

export interface Run {
  text: string;
  font: PDFFont;
}

const bytesCache = new Map<string, Uint8Array>();
const readFont = (file: string): Uint8Array => {
  let bytes = bytesCache.get(file);
  if (!bytes) {
    bytes = woffToSfnt(fs.readFileSync(file));
    bytesCache.set(file, bytes);
  }
  return bytes;
};

type Dir = 'ltr' | 'rtl' | 'neutral';
interface Piece {
  text: string;
  file: FontFile;
  dir: Dir;
}

const isNeutral = (ch: string) => /[\s\p{P}\p{N}]/u.test(ch);

/** The fonts of one document: each file embedded once, subset to the glyphs drawn with it. */
export class DocumentFonts {
  private readonly embedded = new Map<string, Promise<PDFFont>>();

  constructor(private readonly doc: PDFDocument) {}

  private font(file: FontFile): Promise<PDFFont> {
    let font = this.embedded.get(file.file);
    if (!font) {
      font = this.doc.embedFont(readFont(file.file), { subset: true });
      this.embedded.set(file.file, font);
    }
    return font;
  }

  /** `text` as runs in visual (left-to-right) order. A character no font has is drawn as `?`. */
  async runs(raw: string, weight: Weight): Promise<Run[]> {
    const text = raw.replace(/[\u00a0\u2000-\u200b\u202f\u205f\u3000]/g, ' ');
    const fallback = fontFor(0x3f, weight) ?? (fontFiles(weight)[0] as FontFile); // the file that has `?`
    const pieces: Piece[] = [];
    for (const ch of text) {
      const found = fontFor(ch.codePointAt(0) as number, weight);
      const file = found ?? fallback;
      const dir: Dir = isNeutral(ch) ? 'neutral' : file.rtl ? 'rtl' : 'ltr';
      const last = pieces[pieces.length - 1];
      if (last && last.file === file && last.dir === dir) last.text += found ? ch : '?';
      else pieces.push({ text: found ? ch : '?', file, dir });
    }
    const visual = reorder(pieces);
    return Promise.all(visual.map(async (p) => ({ text: p.text, font: await this.font(p.file) })));
  }
}

/** A minimal bidi pass over runs: resolve neutrals, reverse the runs of right-to-left groups. */
function reorder(pieces: Piece[]): Piece[] {
  const strong = pieces.find((p) => p.dir !== 'neutral')?.dir ?? 'ltr';
  const resolved = pieces.map((p, i) => {
    if (p.dir !== 'neutral') return p.dir;
    const before = pieces
      .slice(0, i)
      .reverse()
      .find((q) => q.dir !== 'neutral')?.dir;
    const after = pieces.slice(i + 1).find((q) => q.dir !== 'neutral')?.dir;
    return before && before === after ? before : strong;
  });
  const groups: Array<{ dir: Dir; pieces: Piece[] }> = [];
  pieces.forEach((p, i) => {
    const dir = resolved[i] as Dir;
    const last = groups[groups.length - 1];
    if (last && last.dir === dir) last.pieces.push(p);
    else groups.push({ dir, pieces: [p] });
  });
  // Within a right-to-left run fontkit already orders the glyphs visually; only the runs move.
  const laid = groups.map((g) => (g.dir === 'rtl' ? g.pieces.reverse() : g.pieces));
  return (strong === 'rtl' ? laid.reverse() : laid).flat();
}

export const widthOf = (runs: readonly Run[], size: number): number =>
  runs.reduce((w, r) => w + r.font.widthOfTextAtSize(r.text, size), 0);
