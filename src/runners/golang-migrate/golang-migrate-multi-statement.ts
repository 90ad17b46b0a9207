import { DOLLAR_QUOTE_SPLIT_NOTE, openAtEnd } from './model.js';
import type { LintStatement, Problem, Rule } from '../../lint/types.js';

const WHAT: Record<string, string> = {
  'dollar-quote': 'a $$ body',
  string: 'a quoted string',
  'quoted-identifier': 'a quoted identifier',
  comment: 'a /* */ comment',
  'line-comment': 'a -- comment',
};

/**
 * golang-migrate-multi-statement — with `x-multi-statement=true` (runner option
 * `multi-statement=true`), a `;` that is not the end of a statement: inside a $$ body, a string,
 * a quoted identifier or a comment.
 *
 * golang-migrate's multi-statement mode cuts the file after every `;` byte (multistmt.Parse uses
 * bytes.Index: golang-migrate #590, #698) and sends each piece on its own. A cut inside a
 * function body or a string sends half a statement: the server answers 42601 (unterminated
 * dollar-quoted string, unterminated quoted string, syntax error), and the pieces before it are
 * already committed.
 */
export const golangMigrateMultiStatement: Rule = {
  id: 'golang-migrate-multi-statement',
  category: 'runner',
  summary: 'golang-migrate multi-statement mode with a ; inside a $$ body, a string or a comment',
  squawk: 'none',
  atlas: 'none',
  migration(migration, context) {
    if (!isTrue(context.runnerOptions['multi-statement'])) return [];
    const text = migration.up.text;
    const statements = context.statementsOf(migration);
    const problems: Problem[] = [];
    const flagged = new Set<LintStatement>();
    for (let at = text.indexOf(';'); at >= 0; at = text.indexOf(';', at + 1)) {
      const open = openAtEnd(text.slice(0, at));
      if (!open) continue;
      // The statement the `;` cuts, or (for a comment between statements) the next one.
      const target = statements.find((s) => at < s.statement.offset + s.statement.length) ?? statements[statements.length - 1];
      if (!target || flagged.has(target)) continue;
      flagged.add(target);
      const line = migration.up.startLine + countNewlines(text.slice(0, at));
      problems.push({
        at: target,
        message:
          `golang-migrate's multi-statement mode cuts the file at every ';', and the one at line ${line} is inside ${WHAT[open] ?? 'a literal'}: ` +
          'the piece it sends ends there, half a statement, and the server answers 42601',
        hint:
          open === 'dollar-quote'
            ? DOLLAR_QUOTE_SPLIT_NOTE
            : `remove the ';' from the ${open === 'string' ? 'string' : 'comment or identifier'}, or run the file without x-multi-statement`,
        sqlstate: '42601',
      });
    }
    return problems;
  },
};

/** strconv.ParseBool's true values, which golang-migrate uses for its URL options. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
