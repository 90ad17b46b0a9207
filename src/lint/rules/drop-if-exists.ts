import { as } from '../ast.js';
import type { Problem, Rule } from '../types.js';
import { whenAgain } from './common.js';

/** What PostgreSQL answers when the object of a DROP is missing. */
const MISSING: Record<string, string> = {
  OBJECT_TABLE: '42P01',
  OBJECT_VIEW: '42P01',
  OBJECT_MATVIEW: '42P01',
  OBJECT_INDEX: '42704',
  OBJECT_SEQUENCE: '42P01',
  OBJECT_FOREIGN_TABLE: '42P01',
  OBJECT_FUNCTION: '42883',
  OBJECT_PROCEDURE: '42883',
  OBJECT_ROUTINE: '42883',
  OBJECT_AGGREGATE: '42883',
  OBJECT_SCHEMA: '3F000',
};

/**
 * drop-if-exists — a DROP (table, index, view, sequence, type, function, trigger, schema, role,
 * database, …) or ALTER TABLE … DROP COLUMN / DROP CONSTRAINT without IF EXISTS, where the
 * statement can run twice.
 *
 * The second time the object is gone and the DROP fails (`42P01`, `42704`, `42703`, `42883`, …).
 * `IF EXISTS` turns it into a notice.
 */
export const dropIfExists: Rule = {
  id: 'drop-if-exists',
  category: 're-run',
  summary: 'DROP without IF EXISTS where the statement can run twice',
  squawk: 'prefer-robust-stmts',
  atlas: 'none',
  kinds: ['DropStmt', 'AlterTableStmt', 'DropRoleStmt', 'DropdbStmt'],
  statement(target, context) {
    const node = context.ast(target.statement);
    const problem = (what: string, sqlstate: string, fix: string): Problem => ({
      at: target,
      message: `${what} fails with ${sqlstate} (does not exist) when it runs again: ${whenAgain(target)}`,
      hint: fix,
      sqlstate,
    });
    const drop = as<{ removeType?: string; missing_ok?: boolean }>(node, 'DropStmt');
    if (drop) {
      if (drop.missing_ok) return undefined;
      const what = (drop.removeType ?? 'OBJECT').replace(/^OBJECT_/, '').replace('_', ' ').replace('MATVIEW', 'MATERIALIZED VIEW');
      return problem(`DROP ${what}`, MISSING[drop.removeType ?? ''] ?? '42704', `write DROP ${what} IF EXISTS …`);
    }
    const role = as<{ missing_ok?: boolean }>(node, 'DropRoleStmt');
    if (role) return role.missing_ok ? undefined : problem('DROP ROLE', '42704', 'write DROP ROLE IF EXISTS …');
    const db = as<{ missing_ok?: boolean; dbname?: string }>(node, 'DropdbStmt');
    if (db) return db.missing_ok ? undefined : problem(`DROP DATABASE ${db.dbname ?? ''}`, '3D000', 'write DROP DATABASE IF EXISTS …');

    const alter = as<{ cmds?: unknown[] }>(node, 'AlterTableStmt');
    for (const item of alter?.cmds ?? []) {
      const cmd = as<{ subtype?: string; name?: string; missing_ok?: boolean }>(item, 'AlterTableCmd');
      if (!cmd || cmd.missing_ok) continue;
      if (cmd.subtype === 'AT_DropColumn') return problem(`DROP COLUMN ${cmd.name ?? ''}`, '42703', `write DROP COLUMN IF EXISTS ${cmd.name ?? '…'}`);
      if (cmd.subtype === 'AT_DropConstraint') return problem(`DROP CONSTRAINT ${cmd.name ?? ''}`, '42704', `write DROP CONSTRAINT IF EXISTS ${cmd.name ?? '…'}`);
    }
    return undefined;
  },
};
