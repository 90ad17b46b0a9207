import { scanSync } from 'libpg-query';
import { TextIndex } from '../migrations/text-index.js';
import type { MigrationSet, Script } from '../migrations/types.js';

/**
 * Suppression comments: `-- migtest-ignore: <rule>[, <rule>…]` on the line before a statement
 * (a comment alone on its line; several such lines may stack) or at the end of one of the
 * statement's own lines. An optional reason may follow after ` -- `.
 */

const MARK = 'migtest-ignore';
const PATTERN = /^--\s*migtest-ignore\s*:\s*(.*)$/;

export interface IgnoreComment {
  file: string;
  line: number;
  column: number;
  text: string;
  rules: string[];
  /** The comment is alone on its line: it belongs to the statement below. */
  ownLine: boolean;
}

/** Where a finding sits: the lines of its statement (or of the text it is about). */
export interface Span {
  file: string;
  line: number;
  endLine: number;
}

export class Suppressions {
  readonly comments: IgnoreComment[] = [];
  /** Per file: lines that hold only a comment (so a comment above them still reaches below). */
  readonly #commentLines = new Map<string, Set<number>>();
  readonly #used = new Set<string>();

  constructor(set: MigrationSet) {
    for (const migration of set.migrations) this.#read(migration.up);
  }

  /** Whether an ignore comment covers `span` for `rule`; the comment then counts as used. */
  suppresses(rule: string, span: Span): boolean {
    let suppressed = false;
    for (const comment of this.comments) {
      if (!comment.rules.includes(rule) || !this.#covers(comment, span)) continue;
      this.#used.add(`${comment.file}:${comment.line}:${rule}`);
      suppressed = true;
    }
    return suppressed;
  }

  /** Each (comment, rule) that suppressed nothing. */
  unused(): { comment: IgnoreComment; rule: string }[] {
    return this.comments.flatMap((comment) =>
      comment.rules.filter((rule) => !this.#used.has(`${comment.file}:${comment.line}:${rule}`)).map((rule) => ({ comment, rule })),
    );
  }

  #covers(comment: IgnoreComment, span: Span): boolean {
    if (comment.file !== span.file) return false;
    if (!comment.ownLine) return comment.line >= span.line && comment.line <= span.endLine;
    if (comment.line >= span.line) return false;
    const lines = this.#commentLines.get(comment.file);
    for (let line = comment.line + 1; line < span.line; line++) if (!lines?.has(line)) return false;
    return true;
  }

  #read(script: Script): void {
    const text = script.text;
    if (!text.includes(MARK)) return; // the common case: no scanning at all
    const lines = text.split('\n');
    const commentLines = this.#commentLines.get(script.file) ?? new Set<number>();
    lines.forEach((content, i) => {
      if (/^\s*--/.test(content)) commentLines.add(script.startLine + i);
    });
    this.#commentLines.set(script.file, commentLines);

    const index = new TextIndex(text);
    for (const { offset, comment } of sqlComments(text, index)) {
      const match = PATTERN.exec(comment);
      if (!match) continue;
      const { line, column } = index.position(offset);
      const rules = match[1]!
        .split(/\s+--/)[0]!
        .split(/[\s,]+/)
        .filter(Boolean);
      const lineStart = offset - (column - 1);
      this.comments.push({
        file: script.file,
        line: script.startLine + line - 1,
        column: line === 1 ? script.startColumn + column - 1 : column,
        text: comment.trimEnd(),
        rules,
        ownLine: text.slice(lineStart, offset).trim() === '',
      });
    }
  }
}

/** The `--` comments of a text with their code-unit offsets, from the PostgreSQL scanner. */
function sqlComments(text: string, index: TextIndex): { offset: number; comment: string }[] {
  try {
    return (scanSync(text).tokens ?? []).filter((t) => t.tokenName === 'SQL_COMMENT').map((t) => ({ offset: index.fromByte(t.start), comment: t.text }));
  } catch {
    // Text the scanner cannot read (COPY data, a cut piece): fall back to lines, which may also
    // find a marker inside a string; a finding then says the comment is unused.
    const found: { offset: number; comment: string }[] = [];
    let start = 0;
    for (const line of text.split('\n')) {
      const at = line.indexOf('--');
      if (at >= 0 && line.includes(MARK, at)) found.push({ offset: start + at, comment: line.slice(at) });
      start += line.length + 1;
    }
    return found;
  }
}
