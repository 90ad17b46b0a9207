import type { RangeVar } from 'libpg-query';
import { as, tableKey } from '../ast.js';
import type { Rule } from '../types.js';
import { droppedBefore, inEveryRerun, wasDropped, whenAgain } from './common.js';

/**
 * add-constraint-unguarded — ALTER TABLE … ADD CONSTRAINT with no guard, where the statement can
 * run twice (the certctl incident).
 *
 * PostgreSQL has no `ADD CONSTRAINT IF NOT EXISTS`. The second time, a named constraint fails
 * with `42710` (CHECK, FOREIGN KEY) or `42P07` (UNIQUE, PRIMARY KEY, whose index already exists);
 * an unnamed CHECK or FOREIGN KEY is silently added a second time under a new name, and an
 * unnamed PRIMARY KEY fails with `42P16`. Accepted guards: a `DROP CONSTRAINT IF EXISTS` of the
 * same name earlier in the same migration, or the ADD inside a DO block that looks the name up
 * in `pg_constraint` (a statement inside a DO block is not judged by this rule). Not flagged
 * either: an ADD whose constraint the schema model shows is missing when the statement runs again
 * (the table was made anew by that run, or a later statement drops the constraint).
 */
export const addConstraintUnguarded: Rule = {
  id: 'add-constraint-unguarded',
  category: 're-run',
  summary: 'ADD CONSTRAINT without a guard (no IF NOT EXISTS exists) where the statement can run twice',
  squawk: 'prefer-robust-stmts (drop-then-add pattern)',
  atlas: 'none',
  kinds: ['AlterTableStmt'],
  statement(target, context) {
    const alter = as<{ relation?: RangeVar; cmds?: unknown[] }>(context.ast(target.statement), 'AlterTableStmt');
    const table = alter?.relation?.relname ?? '…';
    const key = tableKey(alter?.relation) ?? '';
    const fresh = inEveryRerun(target, context, (state) => state.fresh(`relation:${key}`));
    for (const item of alter?.cmds ?? []) {
      const cmd = as<{ subtype?: string; def?: unknown }>(item, 'AlterTableCmd');
      if (cmd?.subtype !== 'AT_AddConstraint') continue;
      const constraint = as<{ contype?: string; conname?: string }>(cmd.def, 'Constraint');
      if (!constraint) continue;
      const type = (constraint.contype ?? '').replace(/^CONSTR_/, '').replace('FOREIGN', 'FOREIGN KEY').replace('PRIMARY', 'PRIMARY KEY');
      const name = constraint.conname;
      if (fresh) continue; // the run made the table anew: the constraint is added once, as on a fresh database
      if (!name) {
        const doubles = type === 'CHECK' || type === 'FOREIGN KEY';
        return {
          at: target,
          message: doubles
            ? `ADD ${type} without a name on ${table} adds a second copy of the constraint under a new name when it runs again, with no error: ${whenAgain(target)}`
            : `ADD ${type} on ${table} fails with ${type === 'PRIMARY KEY' ? '42P16 (multiple primary keys)' : '42P07 (already exists)'} when it runs again: ${whenAgain(target)}`,
          hint: `name the constraint and guard it: DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '<name>' AND conrelid = '${table}'::regclass) THEN ALTER TABLE ${table} ADD CONSTRAINT <name> …; END IF; END $$`,
          ...(doubles ? {} : { sqlstate: type === 'PRIMARY KEY' ? '42P16' : '42P07' }),
        };
      }
      if (wasDropped(droppedBefore(target, context), 'CONSTRAINT', name, alter?.relation?.relname)) continue;
      const missing = inEveryRerun(target, context, (state) => {
        const shape = state.presence(`relation:${key}`) === 'present' ? state.table(key) : undefined;
        return shape !== undefined && !shape.opaque && !shape.constraints.has(name) && !shape.keys.some((k) => k.name === name);
      });
      if (missing) continue;
      const sqlstate = type === 'UNIQUE' || type === 'PRIMARY KEY' || type === 'EXCLUSION' ? '42P07' : '42710';
      return {
        at: target,
        message: `ADD CONSTRAINT ${name} on ${table} fails with ${sqlstate} (constraint "${name}" already exists) when it runs again: ${whenAgain(target)}`,
        hint:
          `guard it with a pg_constraint lookup in a DO block (DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '${name}' AND conrelid = '${table}'::regclass) THEN ALTER TABLE ${table} ADD CONSTRAINT ${name} …; END IF; END $$), ` +
          `or drop it first in the same migration (ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${name})`,
        sqlstate,
      };
    }
    return undefined;
  },
};
