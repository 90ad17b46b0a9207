import { parseSync } from 'libpg-query';
import { InputError } from '../../migrations/types.js';
import type { Substituted } from './substitute.js';
import { blockCommentEnd } from '../../migrations/sql-lexing.js';

interface Cut {
  /** The text with COPY data and `\restrict` lines blanked (line ends kept): what the parser reads. */
  parseText: string;
  /** COPY data by the offset of its COPY statement. */
  copies: Map<number, string>;
}

/**
 * Walks the text at top level (comments, quotes, dollar quotes) to find `COPY … FROM STDIN;`:
 * the data that follows it up to a line `\.` is cut out, since no SQL parser can read it, and
 * kept for the copy protocol. Blanking instead of removing keeps every later offset valid.
 */
export function cutCopyData(text: string, file: string, substituted: Substituted): Cut {
  const chars = text.split('');
  const copies = new Map<number, string>();
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (chars[k] !== '\n' && chars[k] !== '\r') chars[k] = ' ';
  };
  const fail = (message: string, at: number, fix: string): never => {
    const { line, column } = substituted.originalPosition(at);
    throw new InputError(message, file, line, column, fix);
  };

  let start = -1;
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (text.startsWith('/*', i)) {
      i = blockCommentEnd(text, i);
    } else if (start < 0 && c === '\\') {
      // A psql meta-command line. codd skips pg_dump's \restrict and \unrestrict; any other is
      // left for the parser, which reports it with its line.
      let end = text.indexOf('\n', i);
      if (end < 0) end = text.length;
      if (/^\\(un)?restrict(\s|$)/.test(text.slice(i, end))) blank(i, end);
      i = end;
    } else {
      if (start < 0) start = i;
      if (c === ';') {
        i = afterStatement(start, i);
        start = -1;
      } else if (c === "'") {
        i = skipQuoted(text, i, "'", isEscapeString(text, i));
      } else if (c === '"') {
        i = skipQuoted(text, i, '"', false);
      } else if (c === '$' && !isIdentChar(text.charAt(i - 1))) {
        i = skipDollarQuote(text, i);
      } else {
        i++;
      }
    }
  }
  return { parseText: chars.join(''), copies };

  /** Past the `;` at `semicolon`; past the COPY data too if the statement is COPY … FROM STDIN. */
  function afterStatement(from: number, semicolon: number): number {
    const statement = text.slice(from, semicolon);
    if (!/^copy\b/i.test(statement) || !isCopyFromStdin(statement)) return semicolon + 1;
    const lineEnd = text.indexOf('\n', semicolon);
    const rest = text.slice(semicolon + 1, lineEnd < 0 ? text.length : lineEnd);
    if (!/^\s*(--.*)?$/.test(rest)) {
      fail(
        'the COPY … FROM STDIN data must start on the line after the statement, and nothing else may follow the statement on its line',
        semicolon + 1,
        'move what follows the semicolon to the lines after the data',
      );
    }
    let lineStart = lineEnd < 0 ? text.length : lineEnd + 1;
    const dataStart = lineStart;
    while (lineStart < text.length) {
      let end = text.indexOf('\n', lineStart);
      if (end < 0) end = text.length;
      if (text.slice(lineStart, end).replace(/\r$/, '') === '\\.') {
        copies.set(from, text.slice(dataStart, lineStart));
        blank(dataStart, end);
        return end;
      }
      lineStart = end + 1;
    }
    return fail(
      'COPY … FROM STDIN has no end-of-data line: its data must end with a line holding only \\.',
      from,
      'add a line \\. after the last data row',
    );
  }
}

function isCopyFromStdin(statement: string): boolean {
  try {
    const node = parseSync(statement).stmts?.[0]?.stmt;
    if (!node || !('CopyStmt' in node)) return false;
    const copy = node.CopyStmt;
    return copy.is_from === true && copy.filename === undefined && copy.is_program !== true;
  } catch {
    return false; // not a statement on its own: the parser reports it with the whole file
  }
}

function isIdentChar(c: string): boolean {
  return /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}

/** E'…' (and e'…') strings take backslash escapes; an identifier ending in e does not make one. */
function isEscapeString(text: string, quote: number): boolean {
  return /[eE]/.test(text.charAt(quote - 1)) && !isIdentChar(text.charAt(quote - 2));
}

function skipQuoted(text: string, at: number, quote: string, backslashes: boolean): number {
  let i = at + 1;
  while (i < text.length) {
    const c = text.charAt(i);
    if (backslashes && c === '\\') i += 2;
    else if (c === quote && text.charAt(i + 1) === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return text.length;
}

function skipDollarQuote(text: string, at: number): number {
  const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(at, at + 200));
  if (!tag) return at + 1; // a parameter ($1) or a lone $
  const end = text.indexOf(tag[0], at + tag[0].length);
  return end < 0 ? text.length : end + tag[0].length;
}
