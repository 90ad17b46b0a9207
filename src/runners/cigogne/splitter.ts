import { blockCommentEnd } from '../../migrations/sql-lexing.js';

/**
 * cigogne's statement splitter, as its released sources write it (parser_formatter.gleam, the
 * `analyse_sql_graphemes` walk of 2.0.5 to 5.x): a section is cut at each `;` outside a string
 * literal `'…'` and a dollar-quoted string `$tag$…$tag$`; `$` followed by a digit is a parameter.
 * It knows no comments, no `E'…'` backslash escapes and no quoted identifiers: a `'` in a
 * `--` comment opens a string literal, a `;` there ends a statement. A literal still open at the
 * end of the section makes cigogne refuse the file ("Unfinished string literal").
 */

type State =
  | { k: 'simple' }
  | { k: 'string' }
  | { k: 'tag'; tag: string; parent: string | undefined }
  | { k: 'quoted'; tag: string };

export interface Piece {
  /** Offsets in the section's text; `end` is the `;` that closed it, or the text's end. */
  start: number;
  end: number;
}

export interface CigogneSplit {
  pieces: Piece[];
  /** What was still open at the end of the section, if anything: cigogne refuses the file. */
  unfinished?: string;
  /** Offset of the first character that left the simple context, or split, while inside a comment. */
  misread?: { at: number; char: string };
}

/** Cuts `text` as cigogne does; `comments` (real comment ranges) only serve to name the first misread. */
export function cigogneSplit(text: string, comments: readonly Range[] = []): CigogneSplit {
  const pieces: Piece[] = [];
  let state: State = { k: 'simple' };
  let start = 0;
  let misread: CigogneSplit['misread'];
  // Offsets only grow: one pointer walks the (ordered) comments.
  let next = 0;
  const inComment = (at: number): boolean => {
    while (next < comments.length && comments[next]!.end <= at) next++;
    return next < comments.length && comments[next]!.start <= at;
  };
  for (let i = 0; i < text.length; i++) {
    const g = text[i]!;
    const before = state;
    if (state.k === 'simple') {
      if (g === ';') {
        pieces.push({ start, end: i });
        start = i + 1;
      } else if (g === "'") state = { k: 'string' };
      else if (g === '$') state = { k: 'tag', tag: '', parent: undefined };
    } else if (state.k === 'string') {
      if (g === "'") state = { k: 'simple' };
    } else if (state.k === 'quoted') {
      if (g === '$') state = { k: 'tag', tag: '', parent: state.tag };
    } else if (state.k !== 'tag') {
      // unreachable: the three other contexts are handled above
    } else if (g === '$') {
      state = state.parent === undefined ? { k: 'quoted', tag: state.tag } : state.tag === state.parent ? { k: 'simple' } : { k: 'quoted', tag: state.parent };
    } else if (state.tag === '' && /[0-9]/.test(g)) {
      state = state.parent === undefined ? { k: 'simple' } : { k: 'quoted', tag: state.parent };
    } else {
      state = { k: 'tag', tag: state.tag + g, parent: state.parent };
    }
    // `$1` leaves the simple context for one character only: not a misreading.
    const harmlessDollar = g === '$' && /[0-9]/.test(text[i + 1] ?? '');
    const inside = inComment(i);
    if (!misread && before.k === 'simple' && (state.k !== 'simple' || g === ';') && !harmlessDollar && inside) misread = { at: i, char: g };
  }
  if (start < text.length) pieces.push({ start, end: text.length });
  const unfinished = state.k === 'simple' ? undefined : state.k === 'string' ? 'string literal' : state.k === 'tag' ? 'dollar tag' : `dollar quoted text with tag '${state.tag}'`;
  return { pieces, ...(unfinished ? { unfinished } : {}), ...(misread ? { misread } : {}) };
}

export interface Range {
  start: number;
  end: number;
}

/** The comments of `text` as PostgreSQL reads them: `--` to the line's end, nested `/* … *\/`. */
export function commentRanges(text: string): Range[] {
  const ranges: Range[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (text.startsWith('--', i)) {
      const newline = text.indexOf('\n', i);
      const end = newline < 0 ? text.length : newline;
      ranges.push({ start: i, end });
      i = end;
    } else if (text.startsWith('/*', i)) {
      const end = blockCommentEnd(text, i);
      ranges.push({ start: i, end });
      i = end;
    } else if (c === "'") {
      i = quotedEnd(text, i, "'", /[eE]/.test(text[i - 1] ?? '') && !/[A-Za-z0-9_]/.test(text[i - 2] ?? ''));
    } else if (c === '"') {
      i = quotedEnd(text, i, '"', false);
    } else if (c === '$' && !/[A-Za-z0-9_$]/.test(text[i - 1] ?? '')) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 200))?.[0];
      if (!tag) i++;
      else {
        const close = text.indexOf(tag, i + tag.length);
        i = close < 0 ? text.length : close + tag.length;
      }
    } else i++;
  }
  return ranges;
}

function quotedEnd(text: string, at: number, quote: string, backslashes: boolean): number {
  let i = at + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (backslashes && c === '\\') i += 2;
    else if (c === quote && text[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return text.length;
}
