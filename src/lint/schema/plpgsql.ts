import { parsePlPgSQLSync, type Node } from 'libpg-query';
import { as, parseStatement } from '../ast.js';
import type { LintStatement } from '../statement.js';

/**
 * The body of a DO block, read with libpg-query's PL/pgSQL parser: the SQL statements it runs,
 * where they are in the file, and under which conditions they run. Variables the block declares
 * are kept too: in its statements a bare name may be a variable rather than a column.
 */

/** One SQL statement of the body. */
export interface InnerStatement {
  /** 0-based position among the body's SQL statements, in text order. */
  index: number;
  sql: string;
  /** Its parse tree, or undefined when it does not parse on its own. */
  node: Node | undefined;
  /** The node's type (`UpdateStmt`, …), or `NoParse`. */
  kind: string;
  /** 1-based, in the file. */
  line: number;
  column: number;
}

/** The body as a tree of what runs when. */
export type PlStep =
  | { type: 'sql'; statement: InnerStatement }
  /** IF / ELSIF / ELSE: the first branch whose condition holds runs; `condition` absent for ELSE. */
  | { type: 'if'; branches: { condition?: string; body: PlStep[] }[] }
  /** A loop or CASE: its body may run, any number of times. */
  | { type: 'maybe'; body: PlStep[] }
  /** BEGIN … END; with an EXCEPTION clause an error inside is caught and the block's work undone. */
  | { type: 'block'; body: PlStep[]; handled: boolean }
  /** EXECUTE of a string: `text` is the expression that builds it. */
  | { type: 'dynamic'; text: string }
  /** RETURN, or RAISE EXCEPTION: nothing after it runs. */
  | { type: 'stop' };

export interface DoBody {
  steps: PlStep[];
  /** Names the block declares (variables, records, loop variables). */
  variables: Set<string>;
  /** Every SQL statement, in text order. */
  statements: InnerStatement[];
}

const cache = new WeakMap<LintStatement, DoBody | null>();

/** The body of the DO statement `target`, or undefined when it is not PL/pgSQL or does not parse. */
export function readDo(target: LintStatement, node: Node | undefined): DoBody | undefined {
  let body = cache.get(target);
  if (body === undefined) {
    body = parseBody(target, node) ?? null;
    cache.set(target, body);
  }
  return body ?? undefined;
}

interface DefElem {
  defname?: string;
  arg?: unknown;
}

function parseBody(target: LintStatement, node: Node | undefined): DoBody | undefined {
  const args = (as<{ args?: unknown[] }>(node, 'DoStmt')?.args ?? []).map((a) => as<DefElem>(a, 'DefElem'));
  const language = as<{ sval?: string }>(args.find((a) => a?.defname === 'language')?.arg, 'String')?.sval;
  if (language !== undefined && language.toLowerCase() !== 'plpgsql') return undefined;
  const text = as<{ sval?: string }>(args.find((a) => a?.defname === 'as')?.arg, 'String')?.sval;
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = parsePlPgSQLSync(target.statement.sql);
  } catch {
    return undefined;
  }
  const fn = as<{ datums?: unknown[]; action?: unknown }>((parsed as { plpgsql_funcs?: unknown[] }).plpgsql_funcs?.[0], 'PLpgSQL_function');
  if (!fn) return undefined;

  // lineno counts from the line the body starts on (the one holding the opening quote).
  const sql = target.statement.sql;
  const at = sql.indexOf(text);
  const firstLine = target.statement.line + (at >= 0 ? countNewlines(sql.slice(0, at)) : 0);
  const lines = sql.split('\n');
  const statements: InnerStatement[] = [];
  const place = (lineno: number | undefined, query: string): { line: number; column: number } => {
    const line = firstLine + Math.max(0, (lineno ?? 1) - 1);
    const text = lines[line - target.statement.line] ?? '';
    const found = text.indexOf(query.trimStart().slice(0, 24));
    const column = found >= 0 ? found + 1 + (line === target.statement.line ? target.statement.column - 1 : 0) : 1;
    return { line, column };
  };
  const variables = new Set<string>();
  for (const datum of fn.datums ?? []) {
    for (const body of Object.values(datum as Record<string, { refname?: string }>)) {
      if (body.refname && !['found', 'sqlstate', 'sqlerrm'].includes(body.refname)) variables.add(body.refname.toLowerCase());
    }
  }
  const steps = readList(wrap(fn.action), (lineno, query) => {
    const node = parseStatement(query);
    const kind = node ? Object.keys(node)[0]! : 'NoParse';
    const statement: InnerStatement = { index: statements.length, sql: query, node, kind, ...place(lineno, query) };
    statements.push(statement);
    return statement;
  });
  return { steps, variables, statements };
}

function wrap(action: unknown): unknown[] {
  return action ? [action] : [];
}

interface Expr {
  query?: string;
}

type Make = (lineno: number | undefined, query: string) => InnerStatement;

function exprText(expr: unknown): string | undefined {
  return as<Expr>(expr, 'PLpgSQL_expr')?.query;
}

function readList(list: unknown[] | undefined, make: Make): PlStep[] {
  const steps: PlStep[] = [];
  for (const item of list ?? []) {
    const [type, raw] = Object.entries(item as Record<string, Record<string, unknown>>)[0] ?? [];
    if (!type || !raw) continue;
    const body = raw as Record<string, unknown> & { lineno?: number };
    switch (type) {
      case 'PLpgSQL_stmt_execsql': {
        const query = exprText(body.sqlstmt);
        if (query !== undefined) steps.push({ type: 'sql', statement: make(body.lineno, query) });
        break;
      }
      case 'PLpgSQL_stmt_block': {
        const handled = body.exceptions !== undefined;
        steps.push({ type: 'block', body: readList(body.body as unknown[], make), handled });
        break;
      }
      case 'PLpgSQL_stmt_if': {
        const branches: { condition?: string; body: PlStep[] }[] = [{ condition: exprText(body.cond) ?? 'NULL', body: readList(body.then_body as unknown[], make) }];
        for (const e of (body.elsif_list as unknown[] | undefined) ?? []) {
          const elsif = as<{ cond?: unknown; stmts?: unknown[] }>(e, 'PLpgSQL_if_elsif');
          branches.push({ condition: exprText(elsif?.cond) ?? 'NULL', body: readList(elsif?.stmts, make) });
        }
        if (body.else_body) branches.push({ body: readList(body.else_body as unknown[], make) });
        steps.push({ type: 'if', branches });
        break;
      }
      case 'PLpgSQL_stmt_case': {
        const bodies: PlStep[] = [];
        for (const w of (body.case_when_list as unknown[] | undefined) ?? []) bodies.push(...readList(as<{ stmts?: unknown[] }>(w, 'PLpgSQL_case_when')?.stmts, make));
        bodies.push(...readList(body.else_stmts as unknown[], make));
        steps.push({ type: 'maybe', body: bodies });
        break;
      }
      case 'PLpgSQL_stmt_loop':
      case 'PLpgSQL_stmt_while':
      case 'PLpgSQL_stmt_fori':
      case 'PLpgSQL_stmt_fors':
      case 'PLpgSQL_stmt_forc':
      case 'PLpgSQL_stmt_foreach_a':
      case 'PLpgSQL_stmt_dynfors':
        steps.push({ type: 'maybe', body: readList(body.body as unknown[], make) });
        break;
      case 'PLpgSQL_stmt_dynexecute':
        steps.push({ type: 'dynamic', text: exprText(body.query) ?? '' });
        break;
      case 'PLpgSQL_stmt_return':
        steps.push({ type: 'stop' });
        break;
      case 'PLpgSQL_stmt_raise':
        // ERROR (21): the block fails here; lower levels only print.
        if (((body.elog_level as number | undefined) ?? 0) >= 21) steps.push({ type: 'stop' });
        break;
    }
  }
  return steps;
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
