import type { RangeVar } from 'libpg-query';
import { as, str, tableKey } from '../ast.js';
import { keyOfNames, typeName } from '../schema/names.js';
import { columnPresence } from '../schema/guards.js';
import type { SchemaState } from '../schema/state.js';
import type { Problem, Rule } from '../types.js';
import { inEveryRerun, whenAgain } from './common.js';

/** What PostgreSQL answers when the object of a DROP is missing. */
export const MISSING: Record<string, string> = {
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
 * `IF EXISTS` turns it into a notice. Not flagged: a DROP whose object the schema model shows is
 * there again when the statement runs again (an earlier statement of the run makes it again).
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
    const drop = as<{ removeType?: string; missing_ok?: boolean; objects?: unknown[] }>(node, 'DropStmt');
    if (drop) {
      if (drop.missing_ok) return undefined;
      const objects = drop.objects ?? [];
      if (objects.length > 0 && inEveryRerun(target, context, (state) => objects.every((o) => present(state, drop.removeType ?? '', o)))) return undefined;
      const what = (drop.removeType ?? 'OBJECT').replace(/^OBJECT_/, '').replace('_', ' ').replace('MATVIEW', 'MATERIALIZED VIEW');
      return problem(`DROP ${what}`, MISSING[drop.removeType ?? ''] ?? '42704', `write DROP ${what} IF EXISTS …`);
    }
    const role = as<{ missing_ok?: boolean }>(node, 'DropRoleStmt');
    if (role) return role.missing_ok ? undefined : problem('DROP ROLE', '42704', 'write DROP ROLE IF EXISTS …');
    const db = as<{ missing_ok?: boolean; dbname?: string }>(node, 'DropdbStmt');
    if (db) return db.missing_ok ? undefined : problem(`DROP DATABASE ${db.dbname ?? ''}`, '3D000', 'write DROP DATABASE IF EXISTS …');

    const alter = as<{ cmds?: unknown[]; relation?: RangeVar }>(node, 'AlterTableStmt');
    const table = tableKey(alter?.relation) ?? '';
    for (const item of alter?.cmds ?? []) {
      const cmd = as<{ subtype?: string; name?: string; missing_ok?: boolean }>(item, 'AlterTableCmd');
      if (!cmd || cmd.missing_ok) continue;
      const name = cmd.name ?? '';
      if (cmd.subtype === 'AT_DropColumn' && inEveryRerun(target, context, (state) => columnPresence(state, table, name) === 'present')) continue;
      if (cmd.subtype === 'AT_DropConstraint' && inEveryRerun(target, context, (state) => hasConstraint(state, table, name))) continue;
      if (cmd.subtype === 'AT_DropColumn') return problem(`DROP COLUMN ${cmd.name ?? ''}`, '42703', `write DROP COLUMN IF EXISTS ${cmd.name ?? '…'}`);
      if (cmd.subtype === 'AT_DropConstraint') return problem(`DROP CONSTRAINT ${cmd.name ?? ''}`, '42704', `write DROP CONSTRAINT IF EXISTS ${cmd.name ?? '…'}`);
    }
    return undefined;
  },
};

const RELATIONS = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_INDEX', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE']);

/** Whether the object a DROP names is there, as the model knows the state. */
function present(state: SchemaState, type: string, object: unknown): boolean {
  const names = (as<{ items?: unknown[] }>(object, 'List')?.items ?? []).map((n) => str(n) ?? '');
  if (RELATIONS.has(type)) {
    const name = names.length > 1 ? `${names[names.length - 2]}.${names[names.length - 1]}` : `public.${names[0] ?? ''}`;
    return state.presence(`relation:${name}`) === 'present';
  }
  if (type === 'OBJECT_TYPE' || type === 'OBJECT_DOMAIN') {
    const key = keyOfNames('type', as<{ names?: unknown[] }>(object, 'TypeName')?.names);
    return key !== undefined && state.presence(key) === 'present';
  }
  if (type === 'OBJECT_FUNCTION' || type === 'OBJECT_PROCEDURE') {
    const fn = as<{ objname?: unknown[]; objargs?: unknown[]; args_unspecified?: boolean }>(object, 'ObjectWithArgs');
    const entry = state.entry(keyOfNames('function', fn?.objname) ?? '');
    if (entry?.presence !== 'present') return false;
    if (fn?.args_unspecified) return entry.signatures?.length === 1;
    const signature = (fn?.objargs ?? []).map((t) => typeName(as<{ names?: unknown[]; arrayBounds?: unknown[] }>(t, 'TypeName'))).join(',');
    return entry.signatures?.includes(signature) === true;
  }
  if (type === 'OBJECT_TRIGGER' || type === 'OBJECT_POLICY' || type === 'OBJECT_RULE') {
    if (names.length < 2) return false;
    const table = `${names.length > 2 ? names[names.length - 3]! : 'public'}.${names[names.length - 2]!}`;
    const shape = state.presence(`relation:${table}`) === 'present' ? state.table(table) : undefined;
    const name = names[names.length - 1]!;
    return type === 'OBJECT_TRIGGER' ? shape?.triggers.has(name) === true : type === 'OBJECT_POLICY' ? shape?.policies.has(name) === true : shape?.rules.has(name) === true;
  }
  if (type === 'OBJECT_SCHEMA') return state.presence(`schema:${str(object) ?? ''}`) === 'present';
  if (type === 'OBJECT_EXTENSION') return state.presence(`extension:${str(object) ?? ''}`) === 'present';
  return false;
}

function hasConstraint(state: SchemaState, table: string, name: string): boolean {
  const shape = state.presence(`relation:${table}`) === 'present' ? state.table(table) : undefined;
  return shape !== undefined && (shape.constraints.has(name) || shape.keys.some((k) => k.name === name));
}
