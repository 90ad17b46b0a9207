import type { Node } from 'libpg-query';
import { as, columnRefs, isVolatile, tableKey, walk } from '../ast.js';
import type { SchemaState } from '../schema/state.js';
import type { LintContext, LintStatement, Problem, Rule } from '../types.js';
import { whenAgain } from './common.js';
import { excludesItsOwnRows, idempotent, type Assignment } from './convergence.js';

interface UpdateBody {
  relation?: { relname?: string; schemaname?: string; alias?: { aliasname?: string } };
  targetList?: unknown[];
  whereClause?: unknown;
  fromClause?: unknown[];
  withClause?: { ctes?: unknown[] };
}

/**
 * update-not-convergent — an UPDATE that changes the data again each time it runs, where the
 * statement can run twice.
 *
 * `SET balance = balance + 10`, `SET price = price * 1.1`, `SET seen_at = now()` or `SET a = b,
 * b = a` give another value on every run: no error, a second run just pays, raises, stamps or
 * swaps again (the data fingerprint of `twice` sees it). An UPDATE is flagged when a new value
 * reads a column the UPDATE writes, or the clock, unless it is shown to converge (see
 * convergence.ts): each such assignment is idempotent (`x = lower(btrim(x))`, `x = coalesce(x,
 * 0)`, `x = replace(x, 'a', 'b')`, a CASE mapping), or the WHERE rejects every row it set (`SET n
 * = n + 1, done = true WHERE NOT done`, `SET x = v … WHERE x IS DISTINCT FROM v`, `SET t = now()
 * WHERE t IS NULL`, `SET url = replace(url, '/a/', '/b/') WHERE url LIKE '%/a/%'`), or it reads
 * only rows returned by a data-modifying CTE of the same statement that converges. Not flagged
 * either: an UPDATE of a table the run made anew (its rows are that run's), and an UPDATE inside
 * a DO block that the block may skip. Neither squawk nor Atlas has a rule for this.
 */
export const updateNotConvergent: Rule = {
  id: 'update-not-convergent',
  category: 're-run',
  summary: 'UPDATE whose new values depend on the values it writes or on the clock where the statement can run twice',
  squawk: 'none',
  atlas: 'none',
  kinds: ['UpdateStmt', 'DoStmt'],
  statement(target, context) {
    const node = context.ast(target.statement);
    if (target.statement.kind === 'UpdateStmt') {
      const table = tableKey(as<UpdateBody>(node, 'UpdateStmt')?.relation);
      const states = context.schema.again(target);
      if (table && states.length > 0 && states.every((state) => state.fresh(`relation:${table}`))) return undefined;
      return judge(target, node);
    }
    if (!context.schema.doBody(target)?.statements.some((s) => s.kind === 'UpdateStmt')) return undefined;
    for (const state of context.schema.again(target)) {
      const problems = inBlock(target, context, state);
      if (problems.length > 0) return problems;
    }
    return undefined;
  },
};

/** The UPDATEs a DO block always runs (an EXCEPTION clause does not stop an UPDATE that works). */
function inBlock(target: LintStatement, context: LintContext, state: SchemaState): Problem[] {
  const problems: Problem[] = [];
  context.schema.walkDo(target, state, ({ statement, state: before, certain }) => {
    if (!certain || statement.kind !== 'UpdateStmt') return;
    const table = tableKey(as<UpdateBody>(statement.node, 'UpdateStmt')?.relation);
    if (table && before.fresh(`relation:${table}`)) return;
    const found = judge(target, statement.node);
    if (found) problems.push({ ...found, inner: { line: statement.line, column: statement.column, sql: statement.sql }, effect: { file: target.statement.file, line: target.statement.line } });
  });
  return problems;
}

function judge(target: LintStatement, node: Node | undefined): Problem | undefined {
  const update = as<UpdateBody>(node, 'UpdateStmt');
  if (!update) return undefined;
  const assignments = assignmentsOf(update);
  const table = update.relation?.relname ?? '…';
  const names = new Set([table, update.relation?.alias?.aliasname].filter(Boolean));
  const written = new Set(assignments.map((a) => a.column));
  const readsWritten = (a: Assignment): boolean => columnRefs(a.value).some((r) => written.has(r.name) && (r.qualifier === undefined || names.has(r.qualifier)));
  const offending = assignments.filter((a) => (readsWritten(a) || isVolatile(a.value)) && !idempotent(a, written));
  if (offending.length === 0) return undefined;
  if (excludesItsOwnRows(update.whereClause, assignments) || readsOnlyConvergentCte(update)) return undefined;

  const first = offending[0]!;
  const fromClock = isVolatile(first.value) && !readsWritten(first);
  const own = columnRefs(first.value).some((r) => r.name === first.column);
  const why = fromClock
    ? `SET ${first.column} = … takes a new value from the clock or a generator`
    : own
      ? `SET ${first.column} = … computes the new value from the old one`
      : `SET ${first.column} = … reads ${columnRefs(first.value).find((r) => written.has(r.name))!.name}, which the same UPDATE writes`;
  return {
    at: target,
    message: `UPDATE ${table} does not converge: ${why}, so running it again changes the data again (no error; only the data shows it): ${whenAgain(target)}`,
    hint: fromClock
      ? `write a value that does not depend on when the statement runs, or exclude the rows already set (WHERE ${first.column} IS NULL)`
      : `make the second run a no-op: exclude the rows it changed (SET ${first.column} = …, <flag> = true WHERE NOT <flag>; or a WHERE the new value fails), or drive it from a data-modifying CTE that only returns the rows this run changed (WITH changed AS (UPDATE … WHERE <old state> RETURNING …) UPDATE ${table} … FROM changed)`,
  };
}

function assignmentsOf(update: UpdateBody): Assignment[] {
  const list: Assignment[] = [];
  for (const item of update.targetList ?? []) {
    const target = as<{ name?: string; val?: unknown }>(item, 'ResTarget');
    if (target?.name) list.push({ column: target.name, value: target.val });
  }
  return list;
}

/** Whether the UPDATE reads its rows from a CTE that is a converging data-modifying statement. */
function readsOnlyConvergentCte(update: UpdateBody): boolean {
  const converging = new Set<string>();
  for (const item of update.withClause?.ctes ?? []) {
    const cte = as<{ ctename?: string; ctequery?: unknown }>(item, 'CommonTableExpr');
    const inner = as<UpdateBody>(cte?.ctequery, 'UpdateStmt');
    if (cte?.ctename && inner && excludesItsOwnRows(inner.whereClause, assignmentsOf(inner))) converging.add(cte.ctename);
    const deleted = as<{ whereClause?: unknown }>(cte?.ctequery, 'DeleteStmt');
    if (cte?.ctename && deleted) converging.add(cte.ctename); // deleted rows are gone the second time
  }
  if (converging.size === 0) return false;
  let reads = false;
  walk(update.fromClause, (type, body) => {
    if (type === 'RangeVar' && converging.has(String(body.relname))) reads = true;
  });
  return reads;
}
