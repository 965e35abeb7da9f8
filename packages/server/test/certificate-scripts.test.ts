/**
 * Certificates print every name (issue 11): names in Latin with accents, Chinese, Devanagari and
 * Arabic are drawn with embedded Noto Sans subsets, and an independent reader (pdf.js) finds
 * them in the page's text. What pdf.js can prove differs by script, and the test says so:
 * - Latin and Chinese: the exact name, in order.
 * - Devanagari: fontkit shapes it (the short-i sign is moved before its consonant cluster, the
 *   reph after), and the text layer follows the glyphs, so the page holds exactly the name's
 *   characters in visual order: the same multiset, with the reordering visible.
 * - Arabic: each word, in logical order (pdf.js undoes the right-to-left glyph order), with the
 *   words laid right to left.
 * Without the embedded fonts every one of these would print as `?` (the old standard font).
 */
import { PDFDocument } from 'pdf-lib';
import { expect, test } from 'vitest';
import { renderCertificate } from '../src/features/registrations/certificate.ts';
import { pdfText } from './support/pdf-text.ts';

async function certificateText(attendee: string, title = 'Workshop') {
  const pdf = await renderCertificate({
    registrationId: 'reg_test',
    attendee,
    title,
    venue: 'Hall',
    timezone: 'Asia/Kathmandu',
    startsAt: Date.UTC(2026, 11, 1, 4),
    endsAt: Date.UTC(2026, 11, 1, 6),
    checkedInAt: Date.UTC(2026, 11, 1, 4, 5),
    issuedAt: Date.UTC(2026, 11, 2),
  });
  const doc = await PDFDocument.load(pdf);
  expect(doc.getTitle()).toContain(attendee);
  // Only the font files this document needs are embedded, subset: a certificate stays small.
  expect(pdf.length).toBeLessThan(200_000);
  // pdf.js reports a zero-width control glyph beside Arabic runs; it carries no letter.
  return (await pdfText(pdf)).replace(/\p{Cc}(?<!\n)/gu, '');
}

const sorted = (s: string) => [...s.replace(/\s/g, '')].sort().join('');

test('accented Latin and Chinese names are in the page text exactly', async () => {
  for (const name of ['Zoë Ångström-Łukasiewicz', 'Nguyễn Thị Minh Khai', '欧阳娜娜']) {
    const text = await certificateText(name, `Talk for ${name}`);
    expect(text, name).toContain(name);
    expect(text).toContain(`Talk for ${name}`);
    expect(text).not.toContain('?');
  }
});

test('a Devanagari name: every character is on the page, shaped (vowel sign reordered)', async () => {
  const name = 'प्रिया शर्मा';
  const text = await certificateText(name);
  const line = text.split('\n').find((l) => /[\u0900-\u097f]/.test(l)) ?? '';
  expect(sorted(line)).toBe(sorted(name));
  // Shaped: the short-i sign (U+093F) is drawn before "प्र", where a reader sees it.
  expect(line.indexOf('\u093f')).toBeLessThan(line.indexOf('प'));
  expect(text).not.toContain('?');
});

test('an Arabic name: each word is on the page, the words laid right to left', async () => {
  const text = await certificateText('محمد علي');
  const line = text.split('\n').find((l) => /[\u0600-\u06ff]/.test(l)) ?? '';
  expect(line).toContain('محمد');
  expect(line).toContain('علي');
  // Visual order, left to right: the second word of the name stands at the left.
  expect(line.indexOf('علي')).toBeLessThan(line.indexOf('محمد'));
  // A mixed name keeps its Latin parts in place around the Arabic ones.
  const mixed = await certificateText('Dr. محمد علي Khan');
  const mixedLine = mixed.split('\n').find((l) => l.includes('Khan')) ?? '';
  expect(mixedLine.startsWith('Dr.')).toBe(true);
  expect(mixedLine.trim().endsWith('Khan')).toBe(true);
  expect(mixedLine).toContain('محمد');
});
