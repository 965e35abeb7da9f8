/**
 * The text of a PDF as an independent reader sees it: pdf.js (`pdfjs-dist`, legacy build for
 * Node) through each font's ToUnicode map. Items are joined as drawn; a line break ends a line.
 */
import * as pdfjs from 'pdfjs-dist/legacy/build/pdf.mjs';

export async function pdfText(pdf: Uint8Array): Promise<string> {
  const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), disableFontFace: true, useSystemFonts: false, verbosity: 0 })
    .promise;
  let out = '';
  try {
    for (let n = 1; n <= doc.numPages; n++) {
      const content = await (await doc.getPage(n)).getTextContent();
      for (const item of content.items) {
        if ('str' in item) out += item.str + (item.hasEOL ? '\n' : '');
      }
      out += '\n';
    }
  } finally {
    await doc.destroy();
  }
  return out;
}
