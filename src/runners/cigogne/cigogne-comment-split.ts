import { parseSync } from 'libpg-query';
import type { Problem, Rule } from '../../lint/types.js';
import type { Migration, Script } from '../../migrations/types.js';
import { cigogneSplit, commentRanges, type Piece } from './splitter.js';

/**
 * cigogne-comment-split — a section that cigogne's own splitter cuts otherwise than PostgreSQL
 * reads it, nearly always because of a `'`, `;` or `$` inside a comment (`-- the user's id`).
 *
 * cigogne cuts each section into statements itself (src/runners/cigogne/splitter.ts) and sends
 * each piece as a prepared statement. Its splitter knows no comments: a `'` in a comment opens a
 * string literal that swallows the following `;`s, so two statements reach the server as one
 * (42601, cannot insert multiple commands into a prepared statement), or the literal never closes
 * and cigogne refuses the file; a `;` in a comment ends a statement there and sends the rest of
 * the comment as SQL. migtest splits with PostgreSQL's parser, so only this rule sees it. Only an
 * actual misreading is reported: balanced quotes in a comment that cut nothing differently are not.
 */
export const cigogneCommentSplit: Rule = {
  id: 'cigogne-comment-split',
  category: 'runner',
  summary: "quote, semicolon or $ in a comment that cigogne's splitter misreads: statements merged or cut",
  squawk: 'none',
  atlas: 'none',
  migration(migration: Migration, context): Problem[] {
    return [migration.up, ...(migration.down ? [migration.down] : [])].flatMap((script) => {
      const problem = misread(script);
      return problem ? [problem] : [];
    });
  },
};

type Harm = { kind: 'refused'; what: string } | { kind: 'merged' | 'invalid' | 'different'; piece: Piece };

function misread(script: Script): Problem | undefined {
  const text = script.text;
  const split = cigogneSplit(text, commentRanges(text));
  const harm = harmOf(text, split.pieces, split.unfinished, script);
  if (!harm) return undefined;
  const at = split.misread?.at ?? (harm.kind === 'refused' ? 0 : firstChar(text, harm.piece));
  const place = position(script, at);
  const char = split.misread?.char;
  const cause =
    char === "'"
      ? "a ' inside a comment: cigogne's statement splitter does not skip comments and takes it for the start of a string literal"
      : char === ';'
        ? "a ; inside a comment: cigogne's statement splitter does not skip comments and ends a statement there"
        : char === '$'
          ? "a $ inside a comment: cigogne's statement splitter does not skip comments and takes it for the start of a dollar-quoted string"
          : "cigogne's statement splitter, which knows no comments, no E'…' escapes and no quoted identifiers, cuts this section otherwise than PostgreSQL reads it";
  const effect = effectOf(harm, script);
  return {
    at: { file: script.file, line: place.line, column: place.column, text: lineAt(text, at).trim() },
    message: `${cause}; ${effect.text}`,
    hint:
      char === undefined
        ? 'write the section so that every quote and $ outside string literals is balanced on its own: cigogne cuts at each ; it finds outside \'…\' and $tag$…$tag$'
        : `take the ${char} out of the comment (e.g. "does not" for "doesn't"): unlike PostgreSQL, cigogne's splitter sees quotes, dollar signs and semicolons inside comments`,
    ...(effect.sqlstate ? { sqlstate: effect.sqlstate } : {}),
    ...(effect.line !== undefined ? { effect: { file: script.file, line: effect.line } } : {}),
  };
}

/** What cigogne's pieces do that PostgreSQL's statements would not, or undefined if nothing. */
function harmOf(text: string, pieces: Piece[], unfinished: string | undefined, script: Script): Harm | undefined {
  if (unfinished) return { kind: 'refused', what: unfinished };
  const sent: { piece: Piece; tree: string }[] = [];
  for (const piece of pieces) {
    const sql = text.slice(piece.start, piece.end).trim();
    if (sql === '') continue;
    let trees: string[];
    try {
      trees = (parseSync(`${sql};`).stmts ?? []).map((s) => canonical(s.stmt));
    } catch {
      return { kind: 'invalid', piece };
    }
    if (trees.length > 1) return { kind: 'merged', piece };
    if (trees.length === 1) sent.push({ piece, tree: trees[0]! });
  }
  const real = script.statements.map((s) => {
    try {
      return canonical(parseSync(s.sql).stmts?.[0]?.stmt);
    } catch {
      return undefined;
    }
  });
  if (real.some((tree) => tree === undefined)) return undefined; // not ours to judge
  for (let i = 0; i < Math.max(sent.length, real.length); i++) {
    if (sent[i]?.tree !== real[i]) return { kind: 'different', piece: sent[i]?.piece ?? pieces[pieces.length - 1]! };
  }
  return undefined;
}

function effectOf(harm: Harm, script: Script): { text: string; sqlstate?: string; line?: number } {
  if (harm.kind === 'refused') {
    return { text: `the ${harm.what} never ends, so cigogne refuses the file ("Invalid migration: Unfinished ${harm.what}") and runs no migration of the set` };
  }
  const from = position(script, firstChar(script.text, harm.piece)).line;
  const to = position(script, Math.max(harm.piece.start, harm.piece.end - 1)).line;
  const lines = from === to ? `line ${from}` : `lines ${from}–${to}`;
  if (harm.kind === 'merged') {
    return {
      text: `so it sends ${lines} as ONE prepared statement holding several commands, which PostgreSQL refuses (42601: cannot insert multiple commands into a prepared statement)`,
      sqlstate: '42601',
      line: from,
    };
  }
  if (harm.kind === 'invalid') {
    return { text: `so what it sends from ${lines} is not valid SQL (42601 syntax error)`, sqlstate: '42601', line: from };
  }
  return { text: `so the statements it sends from ${lines} are not those of the file`, line: from };
}

/** A parse tree without its positions, to compare a piece with a statement. */
function canonical(node: unknown): string {
  return JSON.stringify(node, (key, value: unknown) => (key === 'location' || key === 'stmt_location' || key === 'stmt_len' ? undefined : value));
}

function firstChar(text: string, piece: Piece): number {
  const offset = text.slice(piece.start, piece.end).search(/\S/);
  return offset < 0 ? piece.start : piece.start + offset;
}

function position(script: Script, offset: number): { line: number; column: number } {
  const before = script.text.slice(0, offset);
  const newlines = before.split('\n').length - 1;
  const column = newlines === 0 ? script.startColumn + offset : offset - before.lastIndexOf('\n');
  return { line: script.startLine + newlines, column };
}

function lineAt(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const end = text.indexOf('\n', offset);
  return text.slice(start, end < 0 ? text.length : end);
}
