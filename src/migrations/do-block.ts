import { parsePlPgSQLSync, parseSync, scanSync } from 'libpg-query';
import { TextIndex } from './text-index.js';
import { unitOffset } from './locate.js';
import type { Statement } from './types.js';

/**
 * Where inside a DO block's body an error was raised, from what PL/pgSQL tells.
 *
 * A runtime error in PL/pgSQL carries no position, but its context (`where`) names the body line
 * of the statement that failed: "PL/pgSQL function inline_code_block line 5 at SQL statement".
 * Line 1 is the rest of the line the body's opening quote is on, so body line N is N - 1 lines
 * below it, as long as the body reaches the server as it is written (a dollar-quoted or plain
 * quoted string; an E'' string may hold `\n` escapes, so it is not mapped). When the error is
 * raised by a query of the block itself (the context has that one line), the server also gives
 * the query's text and a position in it, which places the error on its line and column.
 *
 * Functions are not mapped: which definition ran (the last CREATE OR REPLACE that ran before, in
 * this run or an earlier one) is not something the files alone can tell.
 */

/** What the server said about an error raised inside PL/pgSQL. */
export interface PlpgsqlContext {
  where?: string;
  internalQuery?: string;
  internalPosition?: number;
}

const DO_LINE = /^PL\/pgSQL function inline_code_block line (\d+) at /;

/** The body line PL/pgSQL names for the DO block the client sent: the outermost context line. */
export function doBlockLine(where: string | undefined): number | undefined {
  if (!where) return undefined;
  const lines = where.split('\n');
  const match = DO_LINE.exec(lines[lines.length - 1] ?? '');
  return match ? Number(match[1]) : undefined;
}

/** Offset in `statement.sql` of the first character of a DO statement's body, if it is written plainly. */
export function doBodyStart(statement: Statement): number | undefined {
  if (statement.kind !== 'DoStmt') return undefined;
  let tokens;
  try {
    tokens = scanSync(statement.sql).tokens ?? [];
  } catch {
    return undefined;
  }
  // `DO LANGUAGE 'plpgsql' $$…$$`: a string right after LANGUAGE names the language, not the body.
  const body = tokens.find((t, i) => t.tokenName === 'SCONST' && tokens[i - 1]?.text.toUpperCase() !== 'LANGUAGE');
  if (!body) return undefined;
  const index = new TextIndex(statement.sql);
  const start = index.fromByte(body.start);
  const token = statement.sql.slice(start);
  const tag = /^\$[^$]*\$/.exec(token)?.[0];
  if (tag) return start + tag.length;
  if (token.startsWith("'")) return start + 1;
  return undefined; // E'…' or U&'…': escapes may change what the server counts
}

/**
 * The offset in `statement.sql` where PL/pgSQL placed an error raised inside the DO block:
 * the query it names, found at or after the start of the body line; else the first character
 * of that line that is not blank. Undefined when the context is not about this DO block.
 */
export function doBlockOffset(statement: Statement, context: PlpgsqlContext): number | undefined {
  const line = doBlockLine(context.where);
  const lines = line === undefined ? undefined : bodyLine(statement, line);
  if (!lines) return undefined;
  const exact = context.where!.includes('\n') ? undefined : queryOffset(statement.sql, lines.start, lines.bodyEnd, context);
  return exact ?? lines.first;
}

/**
 * Body line `line` of a DO statement: where it starts, its first character that is not blank,
 * and where the body ends. Undefined when the body is not written plainly or is shorter.
 */
function bodyLine(statement: Statement, line: number): { start: number; first: number; bodyEnd: number } | undefined {
  const body = doBodyStart(statement);
  if (body === undefined || line < 1) return undefined;
  const sql = statement.sql;
  const bodyEnd = bodyEndOf(sql, body);
  let start = body;
  for (let n = 1; n < line; n++) {
    const next = sql.indexOf('\n', start);
    if (next < 0 || next >= bodyEnd) return undefined;
    start = next + 1;
  }
  let first = start;
  while (first < bodyEnd && (sql[first] === ' ' || sql[first] === '\t')) first++;
  return { start, first, bodyEnd };
}

/**
 * The offset in `statement.sql` of the one statement of a DO block's body that writes `table`
 * (INSERT, UPDATE, DELETE or MERGE naming it, also inside a WITH), read with PL/pgSQL's own
 * parser. Undefined unless there is exactly one and no dynamic EXECUTE, which could write anything.
 */
export function doBlockWriteOffset(statement: Statement, table: { schema: string; name: string }): number | undefined {
  if (doBodyStart(statement) === undefined) return undefined;
  let tree: unknown;
  try {
    tree = parsePlPgSQLSync(statement.sql);
  } catch {
    return undefined;
  }
  const lines: number[] = [];
  let dynamic = false;
  walk(tree, (key, node) => {
    if (key === 'PLpgSQL_stmt_dynexecute' || key === 'PLpgSQL_stmt_dynfors') dynamic = true;
    if (key !== 'PLpgSQL_stmt_execsql') return;
    const { lineno, sqlstmt } = node as { lineno?: number; sqlstmt?: { PLpgSQL_expr?: { query?: string } } };
    const query = sqlstmt?.PLpgSQL_expr?.query;
    if (lineno !== undefined && query !== undefined && writes(query, table)) lines.push(lineno);
  });
  if (dynamic || lines.length !== 1) return undefined;
  return bodyLine(statement, lines[0]!)?.first;
}

/** Whether a query of a body writes `table` by name. */
function writes(query: string, table: { schema: string; name: string }): boolean {
  let tree: unknown;
  try {
    tree = parseSync(query);
  } catch {
    return false;
  }
  let found = false;
  walk(tree, (key, node) => {
    if (!['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'].includes(key)) return;
    const relation = (node as { relation?: { relname?: string; schemaname?: string } }).relation;
    if (relation?.relname === table.name && (relation.schemaname === undefined || relation.schemaname === table.schema)) found = true;
  });
  return found;
}

/** Calls `visit` for every keyed object of a parse tree. */
function walk(tree: unknown, visit: (key: string, node: unknown) => void): void {
  if (Array.isArray(tree)) {
    for (const item of tree) walk(item, visit);
  } else if (tree && typeof tree === 'object') {
    for (const [key, value] of Object.entries(tree)) {
      if (value && typeof value === 'object' && !Array.isArray(value)) visit(key, value);
      walk(value, visit);
    }
  }
}

/** Where the body ends: its closing quote, or the end of the statement when that is unclear. */
function bodyEndOf(sql: string, body: number): number {
  const tag = /\$[^$]*\$$/.exec(sql.slice(0, body))?.[0];
  const end = tag ? sql.indexOf(tag, body) : -1;
  return end >= 0 ? end : sql.length;
}

/**
 * The place of the internal query's position, when that query is written in the body from the
 * named line on. PL/pgSQL runs `PERFORM x` as `SELECT x`, so that prefix is looked for too.
 */
function queryOffset(sql: string, from: number, to: number, context: PlpgsqlContext): number | undefined {
  const query = context.internalQuery;
  const position = context.internalPosition;
  if (!query || position === undefined) return undefined;
  const inQuery = unitOffset(query, position);
  const candidates: [string, number][] = [[query, inQuery]];
  if (/^SELECT /.test(query) && inQuery >= 7) candidates.push([query.slice(7), inQuery - 7]);
  for (const [text, offset] of candidates) {
    const found = sql.indexOf(text, from);
    if (found >= 0 && found + text.length <= to) return found + offset;
  }
  return undefined;
}
