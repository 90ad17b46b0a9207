import { TextIndex } from '../../migrations/text-index.js';
import type { Substitution } from '../../migrations/types.js';

// ${VAR} substitution that remembers where each character came from

export interface Substituted {
  text: string;
  /** Where values replaced `${VAR}`s, in the new text: a server position maps back through them. */
  substitutions: Substitution[];
  /** The line and column in the original text of a code-unit offset in `text`. */
  originalPosition(offset: number): { line: number; column: number };
}

/**
 * codd replaces `${VAR}` for every declared variable, everywhere in the file. The result is what
 * is sent; positions map back to the original file. A statement that starts inside a substituted
 * value maps to the `${VAR}` it came from (best effort: the value's own lines have no place in the file).
 */
export function substitute(original: string, values: Map<string, string>): Substituted {
  const index = new TextIndex(original);
  // [offset in the new text, offset in the original, length in the new text, length in the original]
  const pieces: [number, number, number, number][] = [];
  let text = original;
  if (values.size > 0) {
    const names = [...values.keys()].map((n) => n.replace(/[^A-Za-z0-9_]/g, '')).join('|');
    const pattern = new RegExp(`\\$\\{(${names})\\}`, 'g');
    let out = '';
    let last = 0;
    for (const match of original.matchAll(pattern)) {
      const value = values.get(match[1]!)!;
      out += original.slice(last, match.index);
      pieces.push([out.length, match.index, value.length, match[0].length]);
      out += value;
      last = match.index + match[0].length;
    }
    text = out + original.slice(last);
  }
  return {
    text,
    substitutions: pieces.map(([at, , length, originalLength]) => ({ at, length, originalLength })),
    originalPosition(offset: number) {
      let shift = 0;
      for (const [at, from, length, originalLength] of pieces) {
        if (offset < at) break;
        if (offset < at + length) return index.position(from);
        shift = from + originalLength - (at + length);
      }
      return index.position(offset + shift);
    },
  };
}
