import { as, str } from '../ast.js';
import { keyOfNames } from '../schema/names.js';
import type { SchemaState } from '../schema/state.js';
import type { LintContext, LintStatement, Problem, Rule } from '../types.js';
import { head, placeOf, whenAgain } from './common.js';

/**
 * drop-recreate — a DROP of an object that the set makes again after it, where the statement can
 * run again: `DROP TABLE IF EXISTS t; CREATE TABLE t (…)`.
 *
 * On a fresh database the DROP finds nothing. When it runs again the object is there, holding
 * what the runs in between put in it:
 * - a table (with a runner that runs every file at every start): every start drops it with every
 *   row and makes it anew, empty; rows the application wrote are gone (a table made by CREATE
 *   TABLE … AS is derived from other tables, and is left alone);
 * - a sequence (same runner): every start makes it anew at its start value, and `nextval` hands
 *   out values it handed out before (unless the migration sets it again with `setval`);
 * - a type, table, view or function that something the set made later depends on (a column of
 *   that type, a foreign key to that table, a view on it, a trigger calling the function): the
 *   DROP fails with `2BP01` (cannot drop … because other objects depend on it); with CASCADE a
 *   type takes its columns, and their values, with it.
 * A view, function or index dropped and made again holds no data: that converges and is not
 * flagged. Neither squawk nor Atlas has a rule for this (their drop rules are about production
 * traffic).
 */
export const dropRecreate: Rule = {
  id: 'drop-recreate',
  category: 're-run',
  summary: 'DROP of an object the set makes again: on a re-run it empties a table, restarts a sequence, or fails on what depends on it',
  squawk: 'none',
  atlas: 'none',
  kinds: ['DropStmt'],
  statement(target, context) {
    const drop = as<{ removeType?: string; objects?: unknown[]; behavior?: string }>(context.ast(target.statement), 'DropStmt');
    if (!drop) return undefined;
    const cascade = drop.behavior === 'DROP_CASCADE';
    for (const state of context.schema.again(target)) {
      for (const object of drop.objects ?? []) {
        const found = judge(target, context, state, drop.removeType ?? '', object, cascade);
        if (found) return found;
      }
    }
    return undefined;
  },
};

function judge(target: LintStatement, context: LintContext, state: SchemaState, type: string, object: unknown, cascade: boolean): Problem | undefined {
  const names = (as<{ items?: unknown[] }>(object, 'List')?.items ?? []).map((n) => str(n) ?? '');
  const relation = names.length > 1 ? `${names[names.length - 2]}.${names[names.length - 1]}` : `public.${names[0] ?? ''}`;
  const everyStart = target.rerun === 'every-run';
  switch (type) {
    case 'OBJECT_TABLE': {
      const shape = state.table(relation);
      if (state.presence(`relation:${relation}`) !== 'present' || !shape) return undefined;
      const dependents = cascade ? [] : dependentsOf(state, `relation:${relation}`, relation);
      if (dependents.length > 0) return blocked(target, `TABLE ${short(relation)}`, dependents);
      if (!everyStart || state.fresh(`relation:${relation}`) || shape.derived) return undefined;
      const again = shape.by.order > target.order ? ` and ${head(shape.by)} at ${placeOf(shape.by)} makes it again, empty` : '';
      return {
        at: target,
        message: `${head(target)} drops ${short(relation)} with every row in it each time it runs again${again}: rows the application wrote are lost at every start (${whenAgain(target)})`,
        hint: `make the table once: keep CREATE TABLE IF NOT EXISTS ${short(relation)} (…) and remove the DROP; change an existing table with ALTER TABLE statements that check what is there`,
      };
    }
    case 'OBJECT_SEQUENCE': {
      const entry = state.entry(`relation:${relation}`);
      if (entry?.presence !== 'present' || entry.table || !everyStart || state.fresh(`relation:${relation}`)) return undefined;
      if (setAgainLater(target, context, relation)) return undefined;
      return {
        at: target,
        message: `${head(target)} drops ${short(relation)} each time it runs again, and the set makes it again at its start value: nextval hands out values it handed out before (${whenAgain(target)})`,
        hint: `make the sequence once (CREATE SEQUENCE IF NOT EXISTS ${short(relation)}) and remove the DROP, or set it past the values in use after making it (SELECT setval('${short(relation)}', …))`,
      };
    }
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW': {
      if (state.presence(`relation:${relation}`) !== 'present' || cascade) return undefined;
      const dependents = dependentsOf(state, `relation:${relation}`, relation);
      return dependents.length > 0 ? blocked(target, `VIEW ${short(relation)}`, dependents) : undefined;
    }
    case 'OBJECT_TYPE':
    case 'OBJECT_DOMAIN': {
      const key = keyOfNames('type', as<{ names?: unknown[] }>(object, 'TypeName')?.names);
      if (!key || state.presence(key) !== 'present') return undefined;
      const columns = columnsOfType(state, key);
      if (!cascade) return columns.length > 0 ? blocked(target, `TYPE ${short(key.slice('type:'.length))}`, columns.map((c) => `column ${c.name}`)) : undefined;
      const kept = columns.filter((c) => !c.fresh);
      if (kept.length === 0) return undefined;
      return {
        at: target,
        message: `${head(target)} drops ${kept.map((c) => `column ${c.name}`).join(', ')} with its values each time it runs again (CASCADE takes the columns of that type with it): ${whenAgain(target)}`,
        hint: 'make the type once (guard CREATE TYPE with a pg_type lookup) and remove the DROP; add enum values with ALTER TYPE … ADD VALUE IF NOT EXISTS',
      };
    }
    case 'OBJECT_FUNCTION':
    case 'OBJECT_PROCEDURE': {
      const key = keyOfNames('function', as<{ objname?: unknown[] }>(object, 'ObjectWithArgs')?.objname);
      if (!key || state.presence(key) !== 'present' || cascade) return undefined;
      const triggers: string[] = [];
      for (const [table, shape] of state.tables()) {
        for (const [name, fn] of shape.triggers) if (fn === key) triggers.push(`trigger ${name} on ${short(table)}`);
      }
      return triggers.length > 0 ? blocked(target, `FUNCTION ${short(key.slice('function:'.length))}`, triggers) : undefined;
    }
  }
  return undefined;
}

/** What the set made that a DROP of this relation without CASCADE trips on. */
function dependentsOf(state: SchemaState, key: string, relation: string): string[] {
  const found: string[] = [];
  for (const [table, shape] of state.tables()) {
    if (table === relation) continue;
    for (const [name, c] of shape.constraints) if (c.references === relation) found.push(`foreign key ${name} on ${short(table)}`);
  }
  for (const [other, entry] of state.objects()) {
    if (entry.presence === 'present' && entry.kind === 'view' && other !== key && entry.uses?.includes(key)) found.push(`view ${short(other.slice('relation:'.length))}`);
  }
  return found;
}

function columnsOfType(state: SchemaState, key: string): { name: string; fresh: boolean }[] {
  const columns: { name: string; fresh: boolean }[] = [];
  for (const [table, shape] of state.tables()) {
    for (const [column, type] of shape.columnTypes) if (type === key) columns.push({ name: `${short(table)}.${column}`, fresh: state.fresh(`relation:${table}`) });
  }
  return columns;
}

function blocked(target: LintStatement, what: string, dependents: string[]): Problem {
  return {
    at: target,
    message: `DROP ${what} fails with 2BP01 (cannot drop it because other objects depend on it: ${dependents.slice(0, 3).join(', ')}${dependents.length > 3 ? ', …' : ''}) when it runs again, since the set makes it again and builds on it: ${whenAgain(target)}`,
    hint: what.startsWith('FUNCTION') || what.startsWith('VIEW')
      ? `replace it in place instead of dropping it: CREATE OR REPLACE ${what}`
      : `make it once and remove the DROP (guard its CREATE with a lookup, or IF NOT EXISTS)`,
    sqlstate: '2BP01',
  };
}

/** Whether a later statement of the same migration sets the sequence (setval): it then converges. */
function setAgainLater(target: LintStatement, context: LintContext, relation: string): boolean {
  const name = relation.slice(relation.indexOf('.') + 1).toLowerCase();
  return context.statementsOf(target.migration).some((s) => s.index > target.index && /setval/i.test(s.statement.sql) && s.statement.sql.toLowerCase().includes(name));
}

function short(name: string): string {
  return name.startsWith('public.') ? name.slice('public.'.length) : name;
}
