import type { Node, RangeVar } from 'libpg-query';
import { as, str, tableKey } from '../ast.js';

/** A column a statement names, of a table it names: PostgreSQL resolves it when the statement runs. */
export interface ColumnUse {
  /** `schema.table`. */
  table: string;
  column: string;
}

/** ALTER TABLE sub-commands that name an existing column (`cmd.name`). */
const ON_COLUMN = new Set([
  'AT_AlterColumnType',
  'AT_ColumnDefault',
  'AT_CookedColumnDefault',
  'AT_SetNotNull',
  'AT_DropNotNull',
  'AT_SetStatistics',
  'AT_SetOptions',
  'AT_ResetOptions',
  'AT_SetStorage',
  'AT_SetCompression',
  'AT_AddIdentity',
  'AT_SetIdentity',
  'AT_SetExpression',
  'AT_DropExpression',
]);

/**
 * The columns a statement names without ambiguity: COMMENT ON COLUMN, an UPDATE's SET list and
 * (with no FROM) its WHERE and SET expressions, an INSERT's column list and ON CONFLICT target,
 * a DELETE's WHERE (with no USING), an index's columns, ALTER TABLE … ALTER COLUMN and the columns
 * of an added constraint. A bare name inside a subquery, or one that a DO block declares as a
 * variable (`variables`), may be something else, so it is left out.
 */
export function columnUses(node: Node | undefined, variables: ReadonlySet<string> = new Set()): ColumnUse[] {
  if (!node) return [];
  const [kind, body] = Object.entries(node)[0] as [string, Record<string, unknown>];
  const uses: ColumnUse[] = [];
  const add = (table: string | undefined, column: string | undefined): void => {
    if (table && column) uses.push({ table, column });
  };
  switch (kind) {
    case 'CommentStmt': {
      if (body.objtype !== 'OBJECT_COLUMN') break;
      const names = (as<{ items?: unknown[] }>(body.object, 'List')?.items ?? []).map((n) => str(n) ?? '');
      if (names.length < 2) break;
      const column = names[names.length - 1]!;
      const table = names[names.length - 2]!;
      add(`${names.length > 2 ? names[names.length - 3]! : 'public'}.${table}`, column);
      break;
    }
    case 'UpdateStmt':
    case 'DeleteStmt': {
      const relation = body.relation as (RangeVar & { alias?: { aliasname?: string } }) | undefined;
      const table = tableKey(relation);
      if (!table) break;
      for (const item of (body.targetList as unknown[] | undefined) ?? []) add(table, as<{ name?: string }>(item, 'ResTarget')?.name);
      const others = ((body.fromClause ?? body.usingClause) as unknown[] | undefined)?.length ?? 0;
      const names = new Set([relation!.relname, relation!.alias?.aliasname].filter((n): n is string => Boolean(n)));
      const expressions = [body.whereClause, ...((body.targetList as unknown[] | undefined) ?? []).map((t) => as<{ val?: unknown }>(t, 'ResTarget')?.val)];
      for (const ref of outerRefs(expressions)) {
        if (ref.qualifier !== undefined ? names.has(ref.qualifier) : others === 0 && !variables.has(ref.name.toLowerCase())) add(table, ref.name);
      }
      break;
    }
    case 'InsertStmt': {
      const table = tableKey(body.relation as RangeVar | undefined);
      for (const item of (body.cols as unknown[] | undefined) ?? []) add(table, as<{ name?: string }>(item, 'ResTarget')?.name);
      const conflict = body.onConflictClause as { infer?: { indexElems?: unknown[] }; targetList?: unknown[] } | undefined;
      for (const elem of conflict?.infer?.indexElems ?? []) add(table, as<{ name?: string }>(elem, 'IndexElem')?.name);
      for (const item of conflict?.targetList ?? []) add(table, as<{ name?: string }>(item, 'ResTarget')?.name);
      break;
    }
    case 'IndexStmt': {
      const table = tableKey(body.relation as RangeVar | undefined);
      for (const elem of [...((body.indexParams as unknown[] | undefined) ?? []), ...((body.indexIncludingParams as unknown[] | undefined) ?? [])]) {
        add(table, as<{ name?: string }>(elem, 'IndexElem')?.name);
      }
      for (const ref of outerRefs([body.whereClause])) if (ref.qualifier === undefined) add(table, ref.name);
      break;
    }
    case 'AlterTableStmt': {
      if (body.objtype !== undefined && body.objtype !== 'OBJECT_TABLE') break;
      const table = tableKey(body.relation as RangeVar | undefined);
      for (const item of (body.cmds as unknown[] | undefined) ?? []) {
        const cmd = as<{ subtype?: string; name?: string; def?: unknown; missing_ok?: boolean }>(item, 'AlterTableCmd');
        if (!cmd) continue;
        if (ON_COLUMN.has(cmd.subtype ?? '') && !cmd.missing_ok) add(table, cmd.name);
        const constraint = cmd.subtype === 'AT_AddConstraint' ? as<{ contype?: string; keys?: unknown[]; fk_attrs?: unknown[]; raw_expr?: unknown; indexname?: string }>(cmd.def, 'Constraint') : undefined;
        if (!constraint || constraint.indexname) continue;
        for (const k of [...(constraint.keys ?? []), ...(constraint.fk_attrs ?? [])]) add(table, str(k));
        if (constraint.contype === 'CONSTR_CHECK') for (const ref of outerRefs([constraint.raw_expr])) if (ref.qualifier === undefined) add(table, ref.name);
      }
      break;
    }
  }
  const seen = new Set<string>();
  return uses.filter((u) => !seen.has(`${u.table}.${u.column}`) && seen.add(`${u.table}.${u.column}`));
}

/** Column references outside subqueries (a subquery brings tables of its own). */
function outerRefs(trees: unknown[]): { qualifier?: string; name: string }[] {
  const refs: { qualifier?: string; name: string }[] = [];
  const visit = (tree: unknown): void => {
    if (Array.isArray(tree)) return tree.forEach(visit);
    if (!tree || typeof tree !== 'object') return;
    for (const [key, value] of Object.entries(tree)) {
      if (key === 'SubLink' || key === 'SelectStmt' || key === 'RangeSubselect') continue;
      if (key === 'ColumnRef') {
        const fields = ((value as { fields?: unknown[] }).fields ?? []).map((f) => str(f));
        const name = fields[fields.length - 1];
        if (name === undefined || fields.length > 2 || fields.some((f) => f === undefined)) continue; // t.*, s.t.c
        refs.push(fields.length === 2 ? { qualifier: fields[0]!, name } : { name });
        continue;
      }
      visit(value);
    }
  };
  trees.forEach(visit);
  return refs;
}
