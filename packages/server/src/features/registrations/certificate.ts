/**
 * The attendance certificate: a one-page PDF made with pdf-lib. Dates are printed by core's
 * `formatInZone` in the event's own time zone, never formatted here by hand.
 *
 * The page uses the PDF standard fonts (no font file to ship), which cover WinAnsi (Latin-1 and
 * a few more) only: other characters are drawn by their base letter (ő → o) or `?`. The document
 * metadata (title, subject) is Unicode and carries the exact name.
 */
import { formatInZone } from '@kairos/core';
import { PDFDocument, type PDFFont, rgb, StandardFonts } from 'pdf-lib';

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

/** What a standard font can draw: unsupported characters become their base letter, else `?`. */
function drawable(text: string, font: PDFFont): string {
  const supported = new Set(font.getCharacterSet());
  let out = '';
  for (const ch of text.replace(/[\u00a0\u2000-\u200b\u202f\u205f\u3000]/g, ' ')) {
    const code = ch.codePointAt(0) as number;
    if (supported.has(code)) out += ch;
    else {
      const base = ch.normalize('NFD').codePointAt(0) as number;
      out += supported.has(base) ? String.fromCodePoint(base) : '?';
    }
  }
  return out;
}

/** Lines of at most `width` points, broken at spaces (a word longer than a line is cut). */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (font.widthOfTextAtSize(next, size) <= width || !line) line = next;
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

  const page = doc.addPage([WIDTH, HEIGHT]);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const maxWidth = WIDTH - 2 * MARGIN;
  let y = HEIGHT - 110;

  const centred = (raw: string, font: PDFFont, size: number, color = INK, gap = 14) => {
    const text = drawable(raw, font);
    for (const line of wrap(text, font, size, maxWidth).slice(0, 3)) {
      const fit = Math.min(size, (size * maxWidth) / Math.max(1, font.widthOfTextAtSize(line, size)));
      page.drawText(line, { x: (WIDTH - font.widthOfTextAtSize(line, fit)) / 2, y, size: fit, font, color });
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
  centred('Certificate of attendance', bold, 30, INK, 30);
  centred('This certifies that', regular, 14, MUTED, 18);
  centred(c.attendee, bold, 28, INK, 22);
  centred('attended', regular, 14, MUTED, 18);
  centred(c.title, bold, 20, INK, 20);
  centred(`from ${formatInZone(c.startsAt, c.timezone)} to ${formatInZone(c.endsAt, c.timezone)}`, regular, 13, INK, 8);
  centred(`(${c.timezone})`, regular, 11, MUTED, 14);
  if (c.venue) centred(c.venue, regular, 12, MUTED, 14);

  const footer = drawable(
    `Checked in ${formatInZone(c.checkedInAt, c.timezone)} · issued ${formatInZone(c.issuedAt, c.timezone)} · registration ${c.registrationId}`,
    regular,
  );
  page.drawText(footer, { x: MARGIN, y: 44, size: 9, font: regular, color: MUTED, maxWidth });

  // No object streams: every object stays a plain, inspectable PDF object (and old readers cope).
  return doc.save({ useObjectStreams: false });
}
