import { as, columnRefs, isVolatile, walk } from '../ast.js';
import type { Rule } from '../types.js';
import { whenAgain } from './common.js';

interface UpdateBody {
  relation?: { relname?: string; alias?: { aliasname?: string } };
  targetList?: unknown[];
  whereClause?: unknown;
  fromClause?: unknown[];
  withClause?: { ctes?: unknown[] };
}

interface Assignment {
  column: string;
  value: unknown;
}

/**
 * update-not-convergent — an UPDATE that changes the data again each time it runs, where the
 * statement can run twice.
 *
 * `SET balance = balance + 10`, `SET price = price * 1.1` or `SET seen_at = now()` give another
 * value on every run: no error, a second run just pays, raises or stamps again (the data
 * fingerprint of `twice` sees it). An UPDATE converges when running it again changes nothing:
 * its new values do not depend on the values it overwrites nor on the clock. A self-referencing
 * UPDATE is accepted when its own WHERE excludes the rows it already changed (`SET n = n + 1,
 * done = true WHERE NOT done`), or when it only reads rows returned by a data-modifying CTE of
 * the same statement that does (`WITH c AS (UPDATE … SET status = 'cancelled' WHERE status =
 * 'pending' RETURNING …) UPDATE … FROM c`). Neither squawk nor Atlas has a rule for this.
 */
export const updateNotConvergent: Rule = {
  id: 'update-not-convergent',
  category: 're-run',
  summary: 'UPDATE whose new values depend on the old ones or on the clock where the statement can run twice',
  squawk: 'none',
  atlas: 'none',
  kinds: ['UpdateStmt'],
  statement(target, context) {
    const update = as<UpdateBody>(context.ast(target.statement), 'UpdateStmt');
    if (!update) return undefined;
    const assignments = assignmentsOf(update);
    const table = update.relation?.relname ?? '…';
    const names = new Set([table, update.relation?.alias?.aliasname].filter(Boolean));
    const selfRefs = assignments.filter((a) => columnRefs(a.value).some((r) => r.name === a.column && (r.qualifier === undefined || names.has(r.qualifier))));
    const volatile = assignments.filter((a) => isVolatile(a.value));
    const offending = [...selfRefs, ...volatile];
    if (offending.length === 0) return undefined;
    if (excludesItsOwnRows(update, assignments) || readsOnlyConvergentCte(update)) return undefined;

    const first = offending[0]!;
    const why = selfRefs.includes(first)
      ? `SET ${first.column} = … computes the new value from the old one`
      : `SET ${first.column} = … takes a new value from the clock or a generator`;
    return {
      at: target,
      message: `UPDATE ${table} does not converge: ${why}, so running it again changes the data again (no error; only the data shows it): ${whenAgain(target)}`,
      hint: selfRefs.includes(first)
        ? `make the second run a no-op: mark the rows it changed and exclude them (SET ${first.column} = …, <flag> = true WHERE NOT <flag>), or drive it from a data-modifying CTE that only returns the rows this run changed (WITH changed AS (UPDATE … WHERE <old state> RETURNING …) UPDATE ${table} … FROM changed)`
        : `write a value that does not depend on when the statement runs, or exclude the rows already set (WHERE ${first.column} IS NULL)`,
    };
  },
};

function assignmentsOf(update: UpdateBody): Assignment[] {
  const list: Assignment[] = [];
  for (const item of update.targetList ?? []) {
    const target = as<{ name?: string; val?: unknown }>(item, 'ResTarget');
    if (target?.name) list.push({ column: target.name, value: target.val });
  }
  return list;
}

/** A comparable form of a constant (`'x'`, `'x'::t`, `true`, `42`), or undefined. */
function constKey(tree: unknown): string | undefined {
  const cast = as<{ arg?: unknown }>(tree, 'TypeCast');
  const c = as<Record<string, unknown>>(cast ? cast.arg : tree, 'A_Const');
  if (!c) return undefined;
  if (c.isnull) return 'null';
  for (const k of ['sval', 'ival', 'fval', 'boolval', 'bsval']) {
    // The parser leaves zero values out ({"ival":{}}), so a missing field is a value too.
    if (k in c) return `${k}:${JSON.stringify((c[k] as Record<string, unknown>)[k] ?? null)}`;
  }
  return undefined;
}

/** The value a column is set to when it depends on nothing the row holds, comparable; else undefined. */
function constantValue(a: Assignment): string | undefined {
  if (columnRefs(a.value).length > 0 || isVolatile(a.value)) return undefined;
  return constKey(a.value) ?? JSON.stringify(a.value, (k, v: unknown) => (k === 'location' ? undefined : v));
}

/**
 * Whether a conjunct of the WHERE clause rejects every row once the UPDATE has set it: the
 * clause tests a column that the UPDATE sets to a constant (or, for IS NULL, to any value), and
 * the new value fails the test.
 */
function excludesItsOwnRows(update: UpdateBody, assignments: Assignment[]): boolean {
  const constants = new Map<string, string>();
  for (const a of assignments) {
    const value = constantValue(a);
    if (value !== undefined) constants.set(a.column, value);
  }
  const set = new Set(assignments.filter((a) => constKey(a.value) !== 'null').map((a) => a.column));
  return conjuncts(update.whereClause).some((clause) => rejects(clause, constants, set));
}

function conjuncts(where: unknown): unknown[] {
  const bool = as<{ boolop?: string; args?: unknown[] }>(where, 'BoolExpr');
  if (bool?.boolop === 'AND_EXPR') return (bool.args ?? []).flatMap(conjuncts);
  return where === undefined ? [] : [where];
}

/** The column a bare column reference names. */
function columnOf(tree: unknown): string | undefined {
  return as(tree, 'ColumnRef') ? columnRefs(tree)[0]?.name : undefined;
}

function rejects(clause: unknown, constants: Map<string, string>, nonNull: Set<string>): boolean {
  // col IS NULL, with the column set to a value (any value but NULL, the clock's included).
  const nullTest = as<{ arg?: unknown; nulltesttype?: string }>(clause, 'NullTest');
  if (nullTest) {
    const column = columnOf(nullTest.arg) ?? '';
    return nullTest.nulltesttype === 'IS_NULL' ? nonNull.has(column) : constants.get(column) === 'null';
  }
  // NOT col, with the column set to true.
  const not = as<{ boolop?: string; args?: unknown[] }>(clause, 'BoolExpr');
  if (not?.boolop === 'NOT_EXPR') return constants.get(columnOf(not.args?.[0]) ?? '') === 'boolval:true';
  // col IS NOT TRUE / IS FALSE, with the column set to true.
  const boolTest = as<{ arg?: unknown; booltesttype?: string }>(clause, 'BooleanTest');
  if (boolTest) {
    const set = constants.get(columnOf(boolTest.arg) ?? '');
    return set === 'boolval:true' && ['IS_NOT_TRUE', 'IS_FALSE'].includes(boolTest.booltesttype ?? '');
  }

  const expr = as<{ kind?: string; name?: unknown[]; lexpr?: unknown; rexpr?: unknown }>(clause, 'A_Expr');
  if (!expr) return false;
  const onLeft = columnOf(expr.lexpr);
  const name = onLeft ?? columnOf(expr.rexpr);
  const other = onLeft !== undefined ? expr.rexpr : expr.lexpr;
  const set = constants.get(name ?? '');
  if (set === undefined) return false;
  const op = JSON.stringify(expr.name ?? []);
  if (expr.kind === 'AEXPR_OP' && op === '[{"String":{"sval":"="}}]') {
    const value = constKey(other);
    return value !== undefined && value !== set; // status = 'pending' after SET status = 'cancelled'
  }
  if ((expr.kind === 'AEXPR_OP' && op === '[{"String":{"sval":"<>"}}]') || expr.kind === 'AEXPR_DISTINCT') {
    return constKey(other) === set; // status <> 'cancelled' after SET status = 'cancelled'
  }
  if (expr.kind === 'AEXPR_IN' && op === '[{"String":{"sval":"="}}]') {
    const list = Array.isArray(other) ? other : (as<{ items?: unknown[] }>(other, 'List')?.items ?? []);
    return list.length > 0 && list.every((item) => constKey(item) !== undefined && constKey(item) !== set);
  }
  return false;
}

/** Whether the UPDATE reads its rows from a CTE that is a converging data-modifying statement. */
function readsOnlyConvergentCte(update: UpdateBody): boolean {
  const converging = new Set<string>();
  for (const item of update.withClause?.ctes ?? []) {
    const cte = as<{ ctename?: string; ctequery?: unknown }>(item, 'CommonTableExpr');
    const inner = as<UpdateBody>(cte?.ctequery, 'UpdateStmt');
    if (cte?.ctename && inner && excludesItsOwnRows(inner, assignmentsOf(inner))) converging.add(cte.ctename);
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
