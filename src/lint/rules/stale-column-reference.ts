import type { Node } from 'libpg-query';
import type { ColumnRemoval, SchemaState } from '../schema/state.js';
import type { LintContext, LintStatement, Problem, Rule } from '../types.js';
import { columnUses, type ColumnUse } from './column-uses.js';
import { placeOf, whenAgain } from './common.js';

/**
 * stale-column-reference — a statement that names a column which a later statement of the set
 * renames or drops, where the statement can run again on a table that is still there.
 *
 * On a fresh database the column exists when the statement runs. When it runs again (every start
 * of a tracker-less runner; a migration restarted after a partial apply), the table is not made
 * anew: its `CREATE TABLE IF NOT EXISTS` is skipped, and the table has the later name, or no such
 * column. The statement fails with `42703` (column "…" does not exist). COMMENT ON COLUMN, an
 * UPDATE or DELETE, an INSERT's column list, CREATE INDEX (even IF NOT EXISTS: PostgreSQL
 * resolves the columns first), ALTER TABLE … ALTER COLUMN or ADD CONSTRAINT, and the statements a
 * DO block always runs are read. Neither squawk nor Atlas has a rule for this.
 */
export const staleColumnReference: Rule = {
  id: 'stale-column-reference',
  category: 're-run',
  summary: 'a statement naming a column that a later statement renames or drops, where it can run again on the table that is still there: 42703',
  squawk: 'none',
  atlas: 'none',
  kinds: ['CommentStmt', 'UpdateStmt', 'DeleteStmt', 'InsertStmt', 'IndexStmt', 'AlterTableStmt', 'DoStmt'],
  statement(target, context) {
    const node = context.ast(target.statement);
    if (!node) return undefined;
    if (target.rerun === 'every-run') {
      // The second run starts from the state the whole set leaves: only a column renamed or dropped
      // there can be stale, and most sets have none.
      const removed = removedColumns(context);
      if (removed.size === 0) return undefined;
      if (target.statement.kind !== 'DoStmt' && !columnUses(node).some((u) => removed.has(u.column))) return undefined;
    }
    for (const state of context.schema.again(target)) {
      const problems = target.statement.kind === 'DoStmt' ? inBlock(target, context, state) : stale(target, node, state, new Set()).slice(0, 1);
      if (problems.length > 0) return problems;
    }
    return undefined;
  },
};

const removedBySet = new WeakMap<LintContext['schema'], Set<string>>();

/**
 * The columns renamed away or dropped in the tables the whole set leaves: a removal a second run
 * of a tracker-less runner finds before a statement is one of these.
 */
function removedColumns(context: LintContext): Set<string> {
  let removed = removedBySet.get(context.schema);
  if (!removed) {
    removed = new Set();
    for (const [, shape] of context.schema.atEnd().tables()) for (const r of shape.removals) removed.add(r.column);
    removedBySet.set(context.schema, removed);
  }
  return removed;
}

/** The statements a DO block always runs, each judged on the state just before it. */
function inBlock(target: LintStatement, context: LintContext, state: SchemaState): Problem[] {
  const problems: Problem[] = [];
  context.schema.walkDo(target, state, ({ statement, state: before, certain, handled }, variables) => {
    if (!certain || handled || !statement.node) return;
    const [found] = stale(target, statement.node, before, variables, statement.index);
    if (found) problems.push({ ...found, inner: { line: statement.line, column: statement.column, sql: statement.sql }, effect: { file: target.statement.file, line: target.statement.line } });
  });
  return problems;
}

function stale(target: LintStatement, node: Node, state: SchemaState, variables: ReadonlySet<string>, step?: number): Problem[] {
  const problems: Problem[] = [];
  for (const use of columnUses(node, variables)) {
    const removal = removed(target, state, use, step);
    if (removal) problems.push(problem(target, state, use, removal, step !== undefined));
  }
  return problems;
}

/** The later statement that renamed or dropped the column, when the table is otherwise as the model knows it. */
function removed(target: LintStatement, state: SchemaState, use: ColumnUse, step: number | undefined): ColumnRemoval | undefined {
  const key = `relation:${use.table}`;
  const shape = state.table(use.table);
  if (state.presence(key) !== 'present' || !shape || shape.opaque || state.fresh(key) || shape.columns.has(use.column)) return undefined;
  const later = (r: ColumnRemoval): boolean => r.by.order > target.order || (r.by === target && step !== undefined && (r.step ?? -1) > step);
  return [...shape.removals].reverse().find((r) => r.column === use.column && later(r));
}

function problem(target: LintStatement, state: SchemaState, use: ColumnUse, removal: ColumnRemoval, inner: boolean): Problem {
  const table = use.table.startsWith('public.') ? use.table.slice('public.'.length) : use.table;
  const shape = state.table(use.table)!;
  const where = placeOf(removal.by, removal.line);
  const what = removal.to !== undefined ? `${where} renames it to ${removal.to}` : `${where} drops it`;
  const create = shape.by.statement.sql.split('\n')[0]!.replace(/\s*\(.*$/, '').trim();
  const skipped = shape.by.order < target.order ? ` (${create} at ${placeOf(shape.by)} finds it and does nothing)` : '';
  const [schema, name] = [use.table.slice(0, use.table.indexOf('.')), use.table.slice(use.table.indexOf('.') + 1)];
  const check = `SELECT 1 FROM information_schema.columns WHERE table_schema = '${schema}' AND table_name = '${name}' AND column_name = '${use.column}'`;
  const move =
    removal.to !== undefined
      ? `or move it after ${where} and name ${removal.to} there`
      : `or remove it: ${where} drops the column anyway`;
  return {
    at: target,
    message:
      `names column ${use.column} of ${table}, and ${what}: when this runs again ${table} is still there${skipped} without ${use.column}, ` +
      `so it fails with 42703 (column "${use.column}" does not exist): ${whenAgain(target)}`,
    hint: inner
      ? `run it only while the column exists: IF EXISTS (${check}) THEN … END IF; ${move}`
      : `run it only while the column exists (DO $$ BEGIN IF EXISTS (${check}) THEN …; END IF; END $$), ${move}`,
    sqlstate: '42703',
  };
}
