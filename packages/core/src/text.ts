/**
 * What free text people type may contain: one rule for titles, venues, descriptions and names,
 * shared by the server (which refuses with a 400 on the field) and the web forms (which say so
 * before sending). The characters refused are those that make a text lie about what it shows:
 * control characters (terminal and log injection, invisible line breaks in one-line fields),
 * bidirectional overrides and isolates (the "Trojan Source" reordering: a title that reads
 * differently from what it stores), unpaired surrogates (not Unicode: SQLite and PostgreSQL would
 * store U+FFFD or refuse, so what is read back differs from what was accepted) and texts that
 * are only invisible characters (a title that shows as nothing).
 */

/** `line`: one-line fields (title, venue, names); `multiline`: descriptions (tab and line breaks allowed). */
export type TextKind = 'line' | 'multiline';

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_LINE = /[\u0000-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/** LRE, RLE, PDF, LRO, RLO (U+202A–202E) and LRI, RLI, FSI, PDI (U+2066–2069). */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;
/** With the `u` flag a surrogate class matches only a half without its partner. */
const LONE_SURROGATE = /\p{Cs}/u;
/**
 * Nothing visible: white space, format characters (zero-width space and joiners, word joiner,
 * soft hyphen, BOM…), the combining grapheme joiner, and the fillers and blanks that render empty.
 */
const INVISIBLE_ONLY = /^(?:[\s\p{Z}\p{Cf}\u115f\u1160\u2800\u3164\uffa0]|\u034f)*$/u;

/**
 * The problem with `text` as a `kind` field, or null when it is acceptable. An empty text is
 * not judged here (whether a field may be empty is the caller's rule).
 */
export function textProblem(text: string, kind: TextKind): string | null {
  if (LONE_SURROGATE.test(text)) return 'must not contain unpaired surrogate code units (not valid Unicode)';
  if ((kind === 'line' ? CONTROL_LINE : CONTROL_MULTILINE).test(text)) {
    return kind === 'line'
      ? 'must not contain control characters (line breaks and tabs included)'
      : 'must not contain control characters other than tabs and line breaks';
  }
  if (BIDI_CONTROL.test(text)) return 'must not contain bidirectional override or isolate characters (U+202A–202E, U+2066–2069)';
  if (text.length > 0 && INVISIBLE_ONLY.test(text)) return 'must contain a visible character';
  return null;
}
