import { as } from '../ast.js';
import type { Rule } from '../types.js';
import { whenAgain } from './common.js';

/** Renames of a whole relation, which `ALTER … IF EXISTS old RENAME TO new` makes a no-op the second time. */
const RELATIONS = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_SEQUENCE', 'OBJECT_INDEX', 'OBJECT_FOREIGN_TABLE']);

/**
 * rename — ALTER … RENAME (table, column, constraint, index, type, enum value, …), where the
 * statement can run twice.
 *
 * The second time the old name is gone: `42P01`, `42703`, `42704`. A whole relation can be
 * renamed with `ALTER TABLE IF EXISTS old RENAME TO new` (a notice the second time); anything
 * else needs a guard that looks the old name up (a DO block on information_schema.columns,
 * pg_constraint, pg_enum, …). squawk's and Atlas's rename rules warn about clients that still
 * use the old name; this one is about running the rename twice.
 */
export const rename: Rule = {
  id: 'rename',
  category: 're-run',
  summary: 'RENAME where the statement can run twice: the old name is gone the second time',
  squawk: 'renaming-column, renaming-table',
  atlas: 'BC101, BC102',
  kinds: ['RenameStmt', 'AlterEnumStmt'],
  statement(target, context) {
    const node = context.ast(target.statement);
    const enumRename = as<{ oldVal?: string; newVal?: string }>(node, 'AlterEnumStmt');
    if (enumRename) {
      if (enumRename.oldVal === undefined) return undefined;
      return {
        at: target,
        message: `RENAME VALUE '${enumRename.oldVal}' fails with 22023 (not an existing enum label) when it runs again: ${whenAgain(target)}`,
        hint: `guard it in a DO block: IF EXISTS (SELECT 1 FROM pg_enum WHERE enumlabel = '${enumRename.oldVal}' AND enumtypid = '<type>'::regtype) THEN ALTER TYPE … RENAME VALUE …; END IF`,
        sqlstate: '22023',
      };
    }
    const r = as<{ renameType?: string; relationType?: string; relation?: { relname?: string }; subname?: string; newname?: string; missing_ok?: boolean }>(node, 'RenameStmt');
    if (!r) return undefined;
    const whole = RELATIONS.has(r.renameType ?? '');
    if (whole && r.missing_ok) return undefined;
    const what = (r.renameType ?? 'OBJECT').replace(/^OBJECT_/, '').replace('TABCONSTRAINT', 'CONSTRAINT').replace('_', ' ');
    const old = r.subname ?? r.relation?.relname ?? '…';
    const sqlstate = r.renameType === 'OBJECT_COLUMN' ? '42703' : whole ? '42P01' : '42704';
    return {
      at: target,
      message: `RENAME ${what} ${old} TO ${r.newname ?? '…'} fails with ${sqlstate} (${old} does not exist any more) when it runs again: ${whenAgain(target)}`,
      hint: whole
        ? `write ALTER ${what} IF EXISTS ${old} RENAME TO ${r.newname ?? '…'}`
        : `guard it in a DO block that checks the old name still exists (information_schema.columns, pg_constraint, …), or avoid the rename: add the new name and keep the old one until every client moved`,
      sqlstate,
    };
  },
};
