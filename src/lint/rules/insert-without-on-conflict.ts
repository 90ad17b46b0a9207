import type { RangeVar } from 'libpg-query';
import { as, tableKey, walk } from '../ast.js';
import type { TableShape, UniqueKey } from '../schema/state.js';
import type { LintStatement, Problem, Rule } from '../types.js';
import { whenAgain } from './common.js';

/**
 * insert-without-on-conflict — an INSERT (or COPY … FROM) that is not idempotent, where the
 * statement can run twice.
 *
 * Into a table with no unique key that the INSERT fills, a second run succeeds and adds the rows
 * again: no error, only the data fingerprint of `twice` sees it. Into a table with such a key,
 * the second run fails with `23505`. `ON CONFLICT DO NOTHING` without a target does not help
 * when the table has no key to conflict on (or only keys filled by a sequence or a volatile
 * default, which are new on every insert). Accepted as idempotent: `ON CONFLICT` on a key the
 * INSERT fills, and `INSERT … SELECT … WHERE NOT EXISTS / NOT IN / EXCEPT / LEFT JOIN … IS NULL`.
 * The keys are read from the set's own CREATE TABLE / CREATE UNIQUE INDEX / ADD CONSTRAINT
 * statements as the table has them when the INSERT runs again (for a tracker-less runner: after
 * the whole set). Neither squawk nor Atlas has a rule for this.
 */
export const insertWithoutOnConflict: Rule = {
  id: 'insert-without-on-conflict',
  category: 're-run',
  summary: 'INSERT without ON CONFLICT (or with nothing to conflict on) where the statement can run twice',
  squawk: 'none',
  atlas: 'none',
  kinds: ['InsertStmt', 'CopyStmt'],
  statement(target, context) {
    const kind = target.statement.kind;
    const node = as<InsertBody>(context.ast(target.statement), kind);
    const table = tableKey(node?.relation);
    if (!node || !table || node.relation?.relpersistence === 't') return undefined;
    if (kind === 'CopyStmt' && !node.is_from) return undefined;
    const states = context.schema.again(target);
    // A table the second run made anew holds only that run's rows, as after a first run.
    if (states.length > 0 && states.every((state) => state.fresh(`relation:${table}`))) return undefined;
    for (const state of states.length > 0 ? states : [undefined]) {
      // Absent where the set dropped it: the INSERT fails first. (A table the set never made is not absent: it is unknown.)
      if ((state?.entry(`relation:${table}`) && state.presence(`relation:${table}`) === 'absent') || state?.fresh(`relation:${table}`)) continue;
      const shape = state?.presence(`relation:${table}`) === 'present' ? state.table(table) : undefined;
      const found = judge(target, kind, node, table, shape && !shape.opaque ? shape : undefined);
      if (found) return found;
    }
    return undefined;
  },
};

interface InsertBody {
  relation?: RangeVar;
  cols?: unknown[];
  attlist?: unknown[];
  is_from?: boolean;
  onConflictClause?: { action?: string; infer?: unknown };
  selectStmt?: unknown;
}

/** The finding for the INSERT, given the table as the run that runs it again finds it (undefined: unknown). */
function judge(target: LintStatement, kind: string, node: InsertBody, table: string, known: TableShape | undefined): Problem | undefined {
  const supplied = suppliedColumns(node.cols ?? node.attlist, known);
  const key = known?.keys.find((k) => fills(k, supplied, known));

  if (node.onConflictClause) {
    // With a target, the conflict is on that key (on-conflict-target checks it exists).
    if (node.onConflictClause.infer || !known || key || known.exclusion || known.keys.some((k) => k.partial)) return undefined;
    return {
      at: target,
      message: `ON CONFLICT DO NOTHING has nothing to conflict on: ${table} has ${keyless(known)}, so the INSERT adds its rows again when it runs again: ${whenAgain(target)}`,
      hint: `give ${table} a unique key on the columns that identify a row and name it in ON CONFLICT (…) DO NOTHING, or insert only the missing rows: INSERT … SELECT … WHERE NOT EXISTS (SELECT 1 FROM ${table} WHERE …)`,
    };
  }
  if (kind === 'InsertStmt' && guarded(node.selectStmt)) return undefined;
  return problem(target, kind, table, known, key);
}

function problem(target: LintStatement, kind: string, table: string, known: TableShape | undefined, key: UniqueKey | undefined): Problem {
  const what = kind === 'CopyStmt' ? 'COPY … FROM (which has no ON CONFLICT)' : 'INSERT without ON CONFLICT';
  const hint =
    kind === 'CopyStmt'
      ? `load the rows into a temporary table and INSERT … SELECT … ON CONFLICT DO NOTHING from it, or run the COPY where it cannot run twice`
      : key?.columns
        ? `add ON CONFLICT (${key.columns.join(', ')}) DO NOTHING`
        : `insert only the missing rows: INSERT … SELECT … WHERE NOT EXISTS (SELECT 1 FROM ${table} WHERE …), or give ${table} a unique key and add ON CONFLICT (…) DO NOTHING`;
  if (key) {
    return {
      at: target,
      message: `${what} into ${table} fails with 23505 (duplicate key value violates unique constraint "${key.name}") when it runs again: ${whenAgain(target)}`,
      hint,
      sqlstate: '23505',
    };
  }
  if (known && !known.keys.some((k) => k.partial)) {
    return {
      at: target,
      message: `${what} into ${table}, which has ${keyless(known)}: when it runs again it succeeds and adds the same rows a second time: ${whenAgain(target)}`,
      hint,
    };
  }
  return {
    at: target,
    message: `${what} into ${table}: when it runs again it either fails with 23505 on a unique key or adds the same rows a second time: ${whenAgain(target)}`,
    hint,
  };
}

/** "no unique key" or "no unique key that the INSERT fills (id is filled by a sequence)". */
function keyless(shape: TableShape): string {
  if (shape.keys.length === 0) return 'no unique key';
  const generated = [...shape.columns].filter(([, fill]) => fill === 'volatile').map(([name]) => name);
  const fresh = generated.length === 1 ? `${generated[0]!} gets a new value` : `${generated.join(', ')} get new values`;
  return `no unique key that the INSERT fills${generated.length > 0 ? ` (${fresh} on every insert)` : ''}`;
}

/** The columns an INSERT gives values for: its column list, or every column. */
function suppliedColumns(list: unknown[] | undefined, shape: TableShape | undefined): Set<string> {
  if (list && list.length > 0) {
    return new Set(list.map((item) => as<{ name?: string }>(item, 'ResTarget')?.name ?? as<{ sval?: string }>(item, 'String')?.sval ?? ''));
  }
  return new Set(shape ? shape.columns.keys() : []);
}

/** Whether a second INSERT of the same rows conflicts on `key`: each column given or a constant default. */
function fills(key: UniqueKey, supplied: Set<string>, shape: TableShape): boolean {
  if (key.partial) return false;
  if (!key.columns) return true; // an expression key: it may conflict
  return key.columns.every((c) => supplied.has(c) || shape.columns.get(c) === 'constant');
}

/** INSERT … SELECT that skips rows already there: an anti-join of some form. */
function guarded(select: unknown): boolean {
  let found = false;
  walk(select, (type, body) => {
    if (found) return;
    if (type === 'BoolExpr' && body.boolop === 'NOT_EXPR') {
      walk(body.args, (inner) => {
        if (inner === 'SubLink') found = true; // NOT EXISTS (…), NOT IN (SELECT …)
      });
    } else if (type === 'SubLink' && body.subLinkType === 'ALL_SUBLINK') {
      found = true; // <> ALL (SELECT …)
    } else if (type === 'SelectStmt' && body.op === 'SETOP_EXCEPT') {
      found = true;
    } else if (type === 'JoinExpr' && body.jointype === 'JOIN_LEFT') {
      found = JSON.stringify(select).includes('"IS_NULL"'); // LEFT JOIN … WHERE x.id IS NULL
    }
  });
  return found;
}
