import { TextIndex } from './text-index.js';
import type { SourcePosition, Statement, Substitution } from './types.js';

/**
 * Where a server error points in the files, from the text a runner sent.
 *
 * PostgreSQL's error `position` counts characters (code points, 1-based) of the string it
 * received, which is not always the file: a script may carry an injected fault, a file sent
 * piece by piece starts each piece at 1, a format may substitute `${VAR}`. A SentText says which parts
 * of the sent string are copied from the script's text, so a position maps back only through
 * text that really came from the file; what a runner added maps nowhere.
 */

/** `length` code units of the sent string from `sent` on are the script text's from `source` on. */
export interface Splice {
  sent: number;
  source: number;
  length: number;
  /** The statement the copied text belongs to, when the sent string is not one script's text in order. */
  statement?: number;
}

/** A string as a runner sent it, and where its parts come from. */
export interface SentText {
  text: string;
  /** In order of `sent`, not overlapping. */
  splices: Splice[];
}

/** Where a server error was placed in a file, and from what. */
export interface ErrorPlace extends SourcePosition {
  /** `position`: the server's character position; `plpgsql`: the line PL/pgSQL named in a DO block's body. */
  via: 'position' | 'plpgsql';
}

/** The script text sent whole and unchanged. */
export function sentAsIs(text: string): SentText {
  return { text, splices: text.length > 0 ? [{ sent: 0, source: 0, length: text.length }] : [] };
}

/** `sent` with `inserted` put in at code unit `at` of its text (an injected fault): what follows moves on. */
export function insertInto(sent: SentText, at: number, inserted: string): SentText {
  const splices: Splice[] = [];
  for (const s of sent.splices) {
    if (s.sent + s.length <= at) splices.push(s);
    else if (s.sent >= at) splices.push({ ...s, sent: s.sent + inserted.length });
    else {
      const head = at - s.sent;
      splices.push({ ...s, length: head });
      splices.push({ ...s, sent: at + inserted.length, source: s.source + head, length: s.length - head });
    }
  }
  return { text: sent.text.slice(0, at) + inserted + sent.text.slice(at), splices };
}

/** Statements sent as one string, each with its `terminator`, joined by `separator` (each from its own script). */
export function sentJoined(statements: Statement[], separator = '\n', terminator = ';'): SentText {
  const splices: Splice[] = [];
  let text = '';
  statements.forEach((s, i) => {
    if (i > 0) text += separator;
    // The terminator goes with its statement: the server points at a `;` that ends one too early.
    splices.push({ sent: text.length, source: s.offset, length: s.length + terminator.length, statement: i });
    text += s.sql + terminator;
  });
  return { text, splices };
}

/** The code-unit offset in `text` of PostgreSQL's 1-based character position. */
export function unitOffset(text: string, position: number): number {
  return new TextIndex(text).fromCodePoint(Math.max(0, position - 1));
}

/** Where a code-unit offset of the sent string comes from, or undefined for text the runner added. */
export function toSource(sent: SentText, unit: number): { source: number; statement?: number } | undefined {
  for (const s of sent.splices) {
    // An offset just past the last copied character (a `;`, or "at end of input") stays with it.
    const last = s === sent.splices[sent.splices.length - 1] ? unit <= s.sent + s.length : unit < s.sent + s.length;
    if (unit >= s.sent && last) {
      return { source: s.source + unit - s.sent, ...(s.statement !== undefined ? { statement: s.statement } : {}) };
    }
  }
  return undefined;
}

/**
 * The statement a script-text offset belongs to: the last one starting at or before it. Text
 * between statements is only comments, blanks and `;`, where the server never points except
 * at the `;` (or the end) of the statement before.
 */
export function statementAt(statements: Statement[], offset: number): number | undefined {
  let found: number | undefined;
  statements.forEach((s, i) => {
    if (s.offset <= offset && (found === undefined || s.offset >= statements[found]!.offset)) found = i;
  });
  return found ?? (statements.length > 0 ? 0 : undefined);
}

/** Where the text of a script comes from in its file, when it is not the file's text as it is. */
export interface ScriptSource {
  /** The script's text: needed for offsets past the end of the statement's own text. */
  text?: string;
  /** The `${VAR}` replacements: a place inside one maps to the `${`. */
  substitutions?: Substitution[];
}

/**
 * The file line and column of a script-text offset inside `statement` (or just after it, at its
 * `;`), counted from the statement's own place. A column counts code units, as Statement's do.
 */
export function placeAt(statement: Statement, offset: number, source: ScriptSource = {}): { line: number; column: number } {
  const from = statement.offset;
  const end = source.text !== undefined ? source.text.length : from + statement.length;
  const to = Math.max(from, Math.min(offset, end));
  const slice = (a: number, b: number): string =>
    source.text !== undefined ? source.text.slice(a, b) : statement.sql.slice(a - from, b - from);
  let line = statement.line;
  let column = statement.column;
  const advance = (text: string): void => {
    for (const c of text) {
      if (c === '\n') {
        line++;
        column = 1;
      } else column += c.length;
    }
  };
  let i = from;
  const substitutions = [...(source.substitutions ?? [])].sort((a, b) => a.at - b.at);
  for (const s of substitutions) {
    if (s.at < from || s.at >= to) continue; // a statement never starts inside a value here
    advance(slice(i, s.at));
    if (to < s.at + s.length) return { line, column };
    column += s.originalLength;
    i = s.at + s.length;
  }
  advance(slice(i, to));
  return { line, column };
}

/**
 * The statement a server position falls in, and its place in the file: undefined when the
 * position is outside the text that came from the script (inside an injected fault).
 */
export function locatePosition(
  sent: SentText,
  statements: Statement[],
  position: number,
  source: ScriptSource = {},
): { statement: number; place: { line: number; column: number } } | undefined {
  const at = toSource(sent, unitOffset(sent.text, position));
  if (!at) return undefined;
  const index = at.statement ?? statementAt(statements, at.source);
  const statement = index === undefined ? undefined : statements[index];
  if (index === undefined || !statement) return undefined;
  // A joined statement has no script text around it here: its own text bounds the place.
  const own = at.statement !== undefined ? { ...source, text: undefined } : source;
  return { statement: index, place: placeAt(statement, at.source, own) };
}

/**
 * Where inside `statement` the server's position points, for a statement sent on its own as
 * `sent` (the statement's text, or a larger text holding it: a naive piece, the whole file).
 * Undefined when `sent` does not hold the statement's text: then it was rewritten, and the
 * position counts characters of something the file does not have.
 */
export function placeInSent(
  statement: Statement,
  sent: string,
  position: number,
  source: ScriptSource = {},
): { line: number; column: number } | undefined {
  const start =
    sent === statement.sql ? 0 : source.text !== undefined && sent === source.text ? statement.offset : sent.indexOf(statement.sql);
  if (start < 0) return undefined;
  const unit = unitOffset(sent, position);
  // Within the sent text, before the statement only blanks and comments: clamp to the statement.
  const offset = statement.offset + Math.max(0, unit - start);
  return placeAt(statement, offset, source);
}
