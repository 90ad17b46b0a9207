import type { RangeVar } from 'libpg-query';
import { as, lastName, tableKey } from '../ast.js';
import { keyOfNames, signatureOf } from '../schema/names.js';
import type { SchemaState } from '../schema/state.js';
import type { Rule } from '../types.js';
import { droppedBefore, inEveryRerun, wasDropped, whenAgain } from './common.js';

/**
 * create-or-replace — CREATE FUNCTION / PROCEDURE / TRIGGER / VIEW / RULE without OR REPLACE,
 * where the statement can run twice.
 *
 * The second time the object exists: `42723` (function), `42710` (trigger, rule), `42P07` (view).
 * `CREATE OR REPLACE` makes the statement converge (triggers since PostgreSQL 14). A
 * `DROP … IF EXISTS` of the same object earlier in the migration is accepted as well, and so is a
 * CREATE whose object the schema model shows is missing when the statement runs again.
 */
export const createOrReplace: Rule = {
  id: 'create-or-replace',
  category: 're-run',
  summary: 'CREATE FUNCTION / TRIGGER / VIEW / RULE without OR REPLACE where the statement can run twice',
  squawk: 'prefer-robust-stmts',
  atlas: 'none',
  kinds: ['CreateFunctionStmt', 'CreateTrigStmt', 'ViewStmt', 'RuleStmt'],
  statement(target, context) {
    const node = context.ast(target.statement);
    const kind = target.statement.kind;
    const body = as<Record<string, unknown>>(node, kind);
    if (!body || body.replace) return undefined;
    const dropped = droppedBefore(target, context);
    let what: string;
    let name: string | undefined;
    let sqlstate: string;
    let types: string[];
    let table: string | undefined;
    switch (kind) {
      case 'CreateFunctionStmt':
        what = body.is_procedure ? 'PROCEDURE' : 'FUNCTION';
        name = lastName(body.funcname);
        sqlstate = '42723';
        types = ['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE'];
        break;
      case 'CreateTrigStmt':
        // A constraint trigger cannot be replaced; only drop-then-create converges.
        what = body.isconstraint ? 'CONSTRAINT TRIGGER' : 'TRIGGER';
        name = body.trigname as string | undefined;
        table = (body.relation as RangeVar | undefined)?.relname;
        sqlstate = '42710';
        types = ['OBJECT_TRIGGER'];
        break;
      case 'ViewStmt':
        what = 'VIEW';
        name = (body.view as RangeVar | undefined)?.relname;
        sqlstate = '42P07';
        types = ['OBJECT_VIEW'];
        break;
      default:
        what = 'RULE';
        name = body.rulename as string | undefined;
        table = (body.relation as RangeVar | undefined)?.relname;
        sqlstate = '42710';
        types = ['OBJECT_RULE'];
    }
    if (wasDropped(dropped, types, name, table)) return undefined;
    if (inEveryRerun(target, context, (state) => missing(state, kind, body))) return undefined;
    const on = table ? ` ON ${table}` : '';
    return {
      at: target,
      message: `CREATE ${what} ${name ?? ''} fails with ${sqlstate} (already exists) when it runs again: ${whenAgain(target)}`,
      hint: body.isconstraint
        ? `drop it first in the same migration: DROP TRIGGER IF EXISTS ${name ?? '…'}${on}`
        : `write CREATE OR REPLACE ${what} ${name ?? '…'}${kind === 'CreateTrigStmt' ? ' (PostgreSQL 14+)' : ''}, or drop it first in the same migration (DROP ${what} IF EXISTS ${name ?? '…'}${on})`,
      sqlstate,
    };
  },
};

/** Whether the object the CREATE makes is missing in `state`, so that the CREATE works there. */
function missing(state: SchemaState, kind: string, body: Record<string, unknown>): boolean {
  switch (kind) {
    case 'CreateFunctionStmt': {
      const entry = state.entry(keyOfNames('function', body.funcname) ?? '');
      if (!entry || entry.presence === 'absent') return entry !== undefined;
      return entry.presence === 'present' && entry.signatures !== null && entry.signatures !== undefined && !entry.signatures.includes(signatureOf(body.parameters as unknown[] | undefined));
    }
    case 'ViewStmt':
      return state.gone(`relation:${tableKey(body.view as RangeVar | undefined) ?? ''}`);
    default: {
      const table = tableKey(body.relation as RangeVar | undefined) ?? '';
      const shape = state.presence(`relation:${table}`) === 'present' ? state.table(table) : undefined;
      if (!shape || shape.opaque) return false;
      return kind === 'CreateTrigStmt' ? !shape.triggers.has(String(body.trigname)) : !shape.rules.has(String(body.rulename));
    }
  }
}
