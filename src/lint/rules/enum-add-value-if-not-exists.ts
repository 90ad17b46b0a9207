import { as, dotted } from '../ast.js';
import { keyOfNames } from '../schema/names.js';
import type { Rule } from '../types.js';
import { inEveryRerun, whenAgain } from './common.js';

/**
 * enum-add-value-if-not-exists — ALTER TYPE … ADD VALUE without IF NOT EXISTS, where the
 * statement can run twice.
 *
 * The second time the label exists and the statement fails with `42710` (enum label "…" already
 * exists). There is no DROP VALUE to pair it with, so IF NOT EXISTS is the only way to make it
 * re-runnable. squawk and Atlas have no such rule
 * (squawk's require-enum-value-ordering is about position, not repetition).
 */
export const enumAddValueIfNotExists: Rule = {
  id: 'enum-add-value-if-not-exists',
  category: 're-run',
  summary: 'ALTER TYPE … ADD VALUE without IF NOT EXISTS where the statement can run twice',
  squawk: 'none',
  atlas: 'none',
  kinds: ['AlterEnumStmt'],
  statement(target, context) {
    const alter = as<{ typeName?: unknown[]; newVal?: string; oldVal?: string; skipIfNewValExists?: boolean }>(context.ast(target.statement), 'AlterEnumStmt');
    if (!alter || alter.oldVal !== undefined || alter.skipIfNewValExists || alter.newVal === undefined) return undefined;
    const key = keyOfNames('type', alter.typeName) ?? '';
    const newVal = alter.newVal;
    // The type the run made anew (a later file drops it) does not have the label yet.
    if (inEveryRerun(target, context, (state) => state.entry(key)?.presence === 'present' && state.entry(key)?.labels?.includes(newVal) === false)) return undefined;
    const type = dotted(alter.typeName);
    return {
      at: target,
      message: `ADD VALUE '${alter.newVal}' to ${type} fails with 42710 (enum label "${alter.newVal}" already exists) when it runs again: ${whenAgain(target)}`,
      hint: `write ALTER TYPE ${type} ADD VALUE IF NOT EXISTS '${alter.newVal}'`,
      sqlstate: '42710',
    };
  },
};
