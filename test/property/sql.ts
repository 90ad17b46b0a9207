import fc from 'fast-check';
import type { Block, TxnRule } from '../../src/runners/types.js';

/*
 * Arbitrary SQL scripts for the property tests, built from statements whose exact text is known,
 * so that a law can name what the splitter must give back. The statements hold what a boundary
 * must survive: `;` inside $$ bodies, dollar tags and literals, several lines, non-ASCII text
 * (2, 3 and 4 UTF-8 bytes), and the transaction statements the trackers of durability read.
 */

export interface PooledStatement {
  sql: string;
  /** The parser's TransactionStmt kind, for transaction statements. */
  transaction?: 'BEGIN' | 'START' | 'COMMIT' | 'ROLLBACK';
}

export const STATEMENTS: PooledStatement[] = [
  { sql: 'CREATE TABLE IF NOT EXISTS t (\n  id int,\n  name text\n)' },
  { sql: "INSERT INTO t VALUES (1, 'é;🙂')" },
  { sql: "DO $$\nBEGIN\n  RAISE NOTICE 'a;b';\nEND $$" },
  { sql: "SELECT 'ünïcødé 😀 text' AS x,\n       2 AS y" },
  { sql: 'UPDATE t\n   SET id = id + 1\n WHERE name <> $q$;$q$' },
  { sql: 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$\n  SELECT 1;\n$body$' },
  { sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (id)' },
  { sql: 'ALTER TABLE t ADD COLUMN IF NOT EXISTS z int' },
  { sql: 'BEGIN', transaction: 'BEGIN' },
  { sql: 'START TRANSACTION', transaction: 'START' },
  { sql: 'COMMIT', transaction: 'COMMIT' },
  { sql: 'ROLLBACK', transaction: 'ROLLBACK' },
];

/** What may stand between two statements: a `;` with blanks and comments (holding `;` too). */
export const SEPARATORS = [';\n', ';', ';\n\n-- note; with é\n', ' ; ', '; -- trailing; comment 🙂\n', ';\r\n', ';\n/* c; */ ', ' /* before; */ ;\n', '\n-- before the semicolon; really\n;'];
/** What may come before the first statement. */
export const HEADS = ['', '-- header é\n', '\n\n', '/* opening; comment */\n'];
/** What may follow the last statement. */
export const ENDS = ['', ';', ';\n', ';\n-- end', '\n-- end; no semicolon', ' /* tail */'];

/** A script and what it was made of. */
export interface ScriptSpec {
  statements: PooledStatement[];
  text: string;
  /** Code-unit offset of each statement in `text`. */
  offsets: number[];
}

export function scriptOf(head: string, parts: [PooledStatement, string][], end: string): ScriptSpec {
  let text = head;
  const offsets: number[] = [];
  parts.forEach(([statement, separator], i) => {
    offsets.push(text.length);
    text += statement.sql + (i === parts.length - 1 ? '' : separator);
  });
  return { statements: parts.map(([s]) => s), text: text + end, offsets };
}

export function scriptArbitrary(options: { minLength?: number; maxLength?: number; statements?: PooledStatement[] } = {}): fc.Arbitrary<ScriptSpec> {
  const { minLength = 1, maxLength = 6, statements = STATEMENTS } = options;
  return fc
    .tuple(fc.constantFrom(...HEADS), fc.array(fc.tuple(fc.constantFrom(...statements), fc.constantFrom(...SEPARATORS)), { minLength, maxLength }), fc.constantFrom(...ENDS))
    .map(([head, parts, end]) => (parts.length === 0 ? { statements: [], text: head, offsets: [] } : scriptOf(head, parts, end)));
}

/** 1-based line and column (in code units) of a code-unit offset, counted the plain way. */
export function naivePlace(text: string, offset: number, startLine = 1, startColumn = 1): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  const line = before.length;
  const column = before[before.length - 1]!.length + 1;
  return { line: startLine + line - 1, column: line === 1 ? startColumn + column - 1 : column };
}

/** The code-unit offset of a 1-based line and column of `text`, counted the plain way. */
export function offsetOfPlace(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) offset = text.indexOf('\n', offset) + 1;
  return offset + column - 1;
}

/** A transaction statement's kind, or undefined for any other statement. */
export type TransactionKind = 'BEGIN' | 'START' | 'COMMIT' | 'ROLLBACK' | undefined;

/** A block of one file whose statements are the given transaction statements, `SELECT 1` elsewhere. */
export const blockOf = (index: number, rule: TxnRule, kinds: readonly (PooledStatement['transaction'] | TransactionKind)[]): Block => ({
  index,
  rule,
  migrations: [],
  statements: kinds.map((transaction, i) => ({
    file: '/m/1.sql',
    line: i + 1,
    column: 1,
    sql: transaction ?? 'SELECT 1',
    offset: 0,
    length: 0,
    kind: transaction ? 'TransactionStmt' : 'SelectStmt',
    ...(transaction ? { detail: { transaction } } : {}),
  })),
});
