/**
 * The attendance certificate: a one-page PDF made with pdf-lib. Dates are printed by core's
 * `formatInZone` in the event's own time zone, never formatted here by hand.
 *
 * Text is drawn with Noto Sans fonts embedded and subset per document, chosen per character
 * (certificate-text.ts says what prints exactly and what pdf-lib cannot shape), so a name in
 * Devanagari, Chinese, Arabic or with accents prints instead of `?`. The document metadata
 * (title, subject) carries the exact name too.
 */

import { formatInZone } from '@kairos/core';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, type PDFPage, rgb } from 'pdf-lib';
import type { Weight } from './certificate-fonts.ts';
import { DocumentFonts, widthOf } from './certificate-text.ts';

export interface CertificateInput {
  registrationId: string;
  attendee: string;
  title: string;
  venue: string | null;
  timezone: string;
  startsAt: number;
  endsAt: number;
  checkedInAt: number;
  issuedAt: number;
}

const WIDTH = 842; // A4 landscape, in points
const HEIGHT = 595;
const MARGIN = 60;
const INK = rgb(0.12, 0.14, 0.2);
const MUTED = rgb(0.4, 0.42, 0.48);

type Color = ReturnType<typeof rgb>;

/** Lines of at most `width` points, broken at spaces (a word longer than a line stays whole and is shrunk). */
async function wrap(fonts: DocumentFonts, text: string, weight: Weight, size: number, width: number): Promise<string[]> {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (!line || widthOf(await fonts.runs(next, weight), size) <= width) line = next;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

export async function renderCertificate(c: CertificateInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Certificate of attendance: ${c.attendee}`);
  doc.setSubject(`${c.attendee} attended ${c.title}`);
  doc.setProducer('Kairos');
  doc.setCreator('Kairos');
  doc.setCreationDate(new Date(c.issuedAt));
  doc.setModificationDate(new Date(c.issuedAt));

  const page: PDFPage = doc.addPage([WIDTH, HEIGHT]);
  doc.registerFontkit(fontkit);
  const fonts = new DocumentFonts(doc);
  const maxWidth = WIDTH - 2 * MARGIN;
  let y = HEIGHT - 110;

  const centred = async (text: string, weight: Weight, size: number, color: Color = INK, gap = 14) => {
    for (const line of (await wrap(fonts, text, weight, size, maxWidth)).slice(0, 3)) {
      const runs = await fonts.runs(line, weight);
      const fit = Math.min(size, (size * maxWidth) / Math.max(1, widthOf(runs, size)));
      let x = (WIDTH - widthOf(runs, fit)) / 2;
      for (const run of runs) {
        page.drawText(run.text, { x, y, size: fit, font: run.font, color });
        x += run.font.widthOfTextAtSize(run.text, fit);
      }
      y -= fit + gap;
    }
  };

  page.drawRectangle({
    x: 24,
    y: 24,
    width: WIDTH - 48,
    height: HEIGHT - 48,
    borderColor: MUTED,
    borderWidth: 1.5,
  });
  await centred('Certificate of attendance', 700, 30, INK, 30);
  await centred('This certifies that', 400, 14, MUTED, 18);
  await centred(c.attendee, 700, 28, INK, 22);
  await centred('attended', 400, 14, MUTED, 18);
  await centred(c.title, 700, 20, INK, 20);
  await centred(`from ${formatInZone(c.startsAt, c.timezone)} to ${formatInZone(c.endsAt, c.timezone)}`, 400, 13, INK, 8);
  await centred(`(${c.timezone})`, 400, 11, MUTED, 14);
  if (c.venue) await centred(c.venue, 400, 12, MUTED, 14);

  const footer = `Checked in ${formatInZone(c.checkedInAt, c.timezone)} · issued ${formatInZone(c.issuedAt, c.timezone)} · registration ${c.registrationId}`;
  let x = MARGIN;
  for (const run of await fonts.runs(footer, 400)) {
    page.drawText(run.text, { x, y: 44, size: 9, font: run.font, color: MUTED });
    x += run.font.widthOfTextAtSize(run.text, 9);
  }

  // No object streams: every object stays a plain, inspectable PDF object (and old readers cope).
  return doc.save({ useObjectStreams: false });
}
