/*
 * Text from a file that may be anything (a scenario with garbage bytes), shown in a message: short
 * and escaped, so that no control character, escape sequence or bidirectional override reaches
 * the terminal as it is.
 */

/** Characters shown escaped: C0 and C1 controls, DEL, bidirectional controls, U+FFFD, and lone surrogates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Whether `text` holds a character `excerpt` would escape (tabs and line ends aside). */
export function hasUnsafe(text: string): boolean {
  return [...text.matchAll(UNSAFE)].some((m) => !['\t', '\n', '\r'].includes(m[0]));
}

/** `text` quoted, at most `max` characters of it, each unsafe one as \xNN or \uNNNN. */
export function excerpt(text: string, max = 40): string {
  const cut = [...text].slice(0, max).join('');
  const shown = cut.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return `"${shown.replace(/"/g, '\\"')}${cut.length < text.length ? '…' : ''}"`;
}
