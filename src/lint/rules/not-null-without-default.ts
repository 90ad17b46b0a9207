import type { RangeVar } from 'libpg-query';
import { as, str, tableKey } from '../ast.js';
import type { LintStatement, Rule } from '../types.js';

/**
 * not-null-without-default — ALTER TABLE … ADD COLUMN … NOT NULL (or PRIMARY KEY) with no DEFAULT,
 * on a table an earlier migration created.
 *
 * On an empty table it succeeds, so every check on a fresh database passes; on a table with rows
 * (every production database past that earlier migration) it fails with `23502`, since the
 * existing rows get NULL. Not flagged: a table the same migration created (it is empty when the
 * column is added), a table the set never creates (nothing is known of it), identity, serial and
 * generated columns (the server fills the rows). Check `populated` confirms it with one generated row.
 */
export const notNullWithoutDefault: Rule = {
  id: 'not-null-without-default',
  category: 'data',
  summary: 'ADD COLUMN … NOT NULL without a DEFAULT on a table an earlier migration created: 23502 once the table has rows',
  squawk: 'adding-required-field',
  atlas: 'MF103',
  kinds: ['AlterTableStmt'],
  statement(target, context) {
    const alter = as<{ relation?: RangeVar; cmds?: unknown[] }>(context.ast(target.statement), 'AlterTableStmt');
    const key = tableKey(alter?.relation);
    if (!alter || !key) return undefined;
    const creator = createdBy(key, target, context.statements, (s) => context.ast(s.statement));
    if (!creator || creator.migration === target.migration) return undefined;
    for (const item of alter.cmds ?? []) {
      const cmd = as<{ subtype?: string; def?: unknown }>(item, 'AlterTableCmd');
      if (cmd?.subtype !== 'AT_AddColumn') continue;
      const column = as<{ colname?: string; typeName?: { names?: unknown[] }; constraints?: unknown[] }>(cmd.def, 'ColumnDef');
      if (!column || !requiredWithoutValue(column)) continue;
      const table = alter.relation?.relname ?? key;
      return {
        at: target,
        message: `ADD COLUMN ${column.colname ?? '…'} is NOT NULL without a DEFAULT: on ${table}, which ${creator.migration.name} created, every existing row gets NULL, so it fails with 23502 on any database that has rows there`,
        hint: `give it a DEFAULT (ADD COLUMN ${column.colname ?? '…'} … NOT NULL DEFAULT …), or add it nullable, backfill it, then SET NOT NULL`,
        sqlstate: '23502',
      };
    }
    return undefined;
  },
};

const SERIAL = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

/** NOT NULL (or PRIMARY KEY) and nothing that gives the existing rows a value. */
function requiredWithoutValue(column: { typeName?: { names?: unknown[] }; constraints?: unknown[] }): boolean {
  const type = str(column.typeName?.names?.[column.typeName.names.length - 1]) ?? '';
  if (SERIAL.has(type.toLowerCase())) return false;
  const kinds = (column.constraints ?? []).map((c) => as<{ contype?: string }>(c, 'Constraint')?.contype ?? '');
  if (kinds.some((k) => k === 'CONSTR_DEFAULT' || k === 'CONSTR_IDENTITY' || k === 'CONSTR_GENERATED')) return false;
  return kinds.some((k) => k === 'CONSTR_NOTNULL' || k === 'CONSTR_PRIMARY');
}

/** The last statement before `target` (plan order) that created table `key`; undefined when the set never does. */
function createdBy(key: string, target: LintStatement, statements: LintStatement[], ast: (s: LintStatement) => unknown): LintStatement | undefined {
  let found: LintStatement | undefined;
  for (const s of statements) {
    if (s.order >= target.order) break;
    if (s.statement.kind !== 'CreateStmt' && s.statement.kind !== 'CreateTableAsStmt') continue;
    const tree = ast(s);
    const relation =
      as<{ relation?: RangeVar }>(tree, 'CreateStmt')?.relation ??
      as<{ into?: { rel?: RangeVar } }>(tree, 'CreateTableAsStmt')?.into?.rel;
    if (tableKey(relation) === key) found = s;
  }
  return found;
}
