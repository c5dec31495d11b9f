/**
 * Text from outside (a body's bytes, a server's answer, an errmsg, a file's first bytes) made safe to
 * show a person on one line: control characters are written as escapes, as JSON would
 * (`\r`, `\n`, `\x1b`, `\u2028`), so an nginx page's CRLF cannot split a message and a body
 * starting with ESC [31m cannot drive the terminal. Escaped: C0 controls but the tab, DEL, C1 controls, the
 * line and paragraph separators (U+2028, U+2029) and the bidirectional controls (U+202A–U+202E,
 * U+2066–U+2069) that reorder what is shown. Everything else (Chinese, emoji) is kept.
 *
 * `max`: at most this many characters of the text (code points, before escaping), then `…`.
 * `keepNewlines`: `\n` stays (a multi-line message that its caller joins itself).
 */
export function printable(
  text: string,
  options: { readonly max?: number; readonly keepNewlines?: boolean } = {},
): string {
  const chars = [...text];
  const cut = options.max !== undefined && chars.length > options.max;
  const shown = (cut ? chars.slice(0, options.max) : chars).join('');
  const escaped = shown.replace(UNPRINTABLE, (c) => (c === '\n' && options.keepNewlines ? c : escapeOf(c)));
  return cut ? `${escaped}…` : escaped;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNPRINTABLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\b': '\\b', '\f': '\\f', '\v': '\\v' };

const escapeOf = (c: string): string => {
  const code = c.codePointAt(0) ?? 0;
  return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`);
};
