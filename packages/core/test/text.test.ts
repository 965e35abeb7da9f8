/**
 * The free-text rule (issue 10 "Smaller"): texts that lie about what they show are refused on
 * their field by the one function the server and the web forms share — control characters,
 * bidirectional overrides and isolates, unpaired surrogates, and titles of only invisible characters.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KairosError, resolveEventFields, resolveRegistration, textProblem } from '../src/index.ts';

const base = { title: 'Kairos launch', timezone: 'UTC', startsAt: '2027-01-10T10:00', endsAt: '2027-01-11T10:00' };

function detailsOf(input: Parameters<typeof resolveEventFields>[0]): Array<{ path: string; message: string }> {
  try {
    resolveEventFields(input, null, 'UTC');
  } catch (e) {
    expect(e).toBeInstanceOf(KairosError);
    expect((e as KairosError).code).toBe('validation_failed');
    return (e as KairosError).details ?? [];
  }
  return [];
}

const HOSTILE_TITLES: Record<string, string> = {
  'zero-width space only': '\u200b\u200b',
  'joiners and word joiner only': '\u200d\u200c\u2060',
  'soft hyphen and BOM only': '\u00ad\ufeff\u00ad',
  'Hangul filler only': '\u3164',
  'braille blank only': '\u2800',
  'NUL inside': 'Launch\u0000party',
  'escape sequence': 'Launch \u001b[31mred',
  'line break in a title': 'Launch\nparty',
  'tab in a title': 'Launch\tparty',
  DEL: 'Launch\u007f',
  'C1 control': 'Launch\u0085',
  'right-to-left override': 'Launch \u202egnp.exe',
  'left-to-right embedding': '\u202aLaunch',
  'pop directional formatting': 'Launch\u202c',
  'right-to-left isolate': 'Launch \u2067x\u2069',
  'first strong isolate': '\u2068Launch',
  'lone high surrogate': 'Launch \ud83d',
  'lone low surrogate': '\ude00 Launch',
  'reversed pair': 'Launch \ude00\ud83d',
};

describe('free text', () => {
  for (const [name, title] of Object.entries(HOSTILE_TITLES)) {
    it(`a title with ${name} is refused on title`, () => {
      const details = detailsOf({ ...base, title });
      expect(details.map((d) => d.path)).toEqual(['title']);
      expect(details[0]?.message).toMatch(/must/);
    });
  }

  it('venue and description follow the rule; descriptions may hold tabs and line breaks', () => {
    expect(detailsOf({ ...base, venue: 'Hall\u202e' }).map((d) => d.path)).toEqual(['venue']);
    expect(detailsOf({ ...base, venue: 'Hall\nB' }).map((d) => d.path)).toEqual(['venue']);
    expect(detailsOf({ ...base, description: 'a\u0000b' }).map((d) => d.path)).toEqual(['description']);
    expect(detailsOf({ ...base, description: 'x \ud800' }).map((d) => d.path)).toEqual(['description']);
    expect(detailsOf({ ...base, description: 'x \u2066y' }).map((d) => d.path)).toEqual(['description']);
    expect(detailsOf({ ...base, description: 'Line one\r\n\tLine two\n' })).toEqual([]);
  });

  it('ordinary text in any script is accepted: emoji, joined emoji, Arabic, Hebrew, Devanagari, combining marks', () => {
    for (const title of [
      'Launch 🎉',
      'Family 👨‍👩‍👧',
      'مؤتمر المطورين',
      'כנס מפתחים',
      'डेवलपर सम्मेलन',
      'Café',
      'e\u0301t\u00e9',
      'a\u200bb',
    ]) {
      expect(detailsOf({ ...base, title, venue: title, description: title })).toEqual([]);
    }
  });

  it('registration names use the same rule', () => {
    expect(() => resolveRegistration({ name: '\u200b', email: 'a@b.c' })).toThrow(/visible/);
    expect(() => resolveRegistration({ name: 'Ada \u202e', email: 'a@b.c' })).toThrow(/bidirectional/);
    expect(() => resolveRegistration({ name: 'Ada \ud800', email: 'a@b.c' })).toThrow(/surrogate/);
    expect(() => resolveRegistration({ name: 'Ada', email: 'a\u0000@b.c' })).toThrow(/email/);
    expect(resolveRegistration({ name: ' Ada ', email: 'A@B.C' })).toEqual({ name: 'Ada', email: 'a@b.c' });
  });

  it('property: an accepted text never contains what the rule refuses; well-formed printable text is accepted', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.constantFrom('line', 'multiline') as fc.Arbitrary<'line' | 'multiline'>,
        (s, kind) => {
          if (textProblem(s, kind) !== null) return;
          expect(/\p{Cs}/u.test(s)).toBe(false);
          expect(/[\u202a-\u202e\u2066-\u2069]/.test(s)).toBe(false);
          // biome-ignore lint/suspicious/noControlCharactersInRegex: the rule under test
          expect(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s)).toBe(false);
        },
      ),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), (s) => {
        const letters = `x${s.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '')}`;
        expect(textProblem(letters, 'line')).toBeNull();
      }),
    );
  });
});
