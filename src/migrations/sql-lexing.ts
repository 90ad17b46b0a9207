/*
 * Pieces of SQL lexing that the tools' own splitters share: where they agree with PostgreSQL's
 * scanner, one function serves them all. Pure.
 */

/** The index just past the block comment that starts at `at` (`/*`), nested ones included; the text's end if it never closes. */
export function blockCommentEnd(text: string, at: number): number {
  let depth = 0;
  let i = at;
  while (i < text.length) {
    if (text.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (text.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return text.length;
}
