import type { RangeVar } from 'libpg-query';
import { as, tableKey } from '../ast.js';
import { keyOfNames } from '../schema/names.js';
import type { SchemaState } from '../schema/state.js';
import type { Rule } from '../types.js';
import { inEveryRerun, inSomeRerun, whenAgain } from './common.js';

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
 *
 * With the schema model: a rename is not flagged when, as the run that runs it again finds the
 * state, the old name is there and the new one is not (an earlier statement of that run makes the
 * object again, e.g. a CREATE TABLE IF NOT EXISTS whose table a later file dropped). And it is
 * flagged, even with IF EXISTS, when that run finds both names: the object made again under the
 * old name cannot take the new one (`42P07`, `42701`, `42710`).
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
      const key = keyOfNames('type', as<{ typeName?: unknown[] }>(node, 'AlterEnumStmt')?.typeName) ?? '';
      const { oldVal, newVal } = enumRename;
      const labels = (state: SchemaState): string[] | null | undefined => (state.presence(key) === 'present' ? state.entry(key)?.labels : undefined);
      if (inEveryRerun(target, context, (state) => labels(state)?.includes(oldVal) === true && labels(state)?.includes(newVal ?? '') === false)) return undefined;
      return {
        at: target,
        message: `RENAME VALUE '${enumRename.oldVal}' fails with 22023 (not an existing enum label) when it runs again: ${whenAgain(target)}`,
        hint: `guard it in a DO block: IF EXISTS (SELECT 1 FROM pg_enum WHERE enumlabel = '${enumRename.oldVal}' AND enumtypid = '<type>'::regtype) THEN ALTER TYPE … RENAME VALUE …; END IF`,
        sqlstate: '22023',
      };
    }
    const r = as<{ renameType?: string; relationType?: string; relation?: { relname?: string; schemaname?: string }; object?: unknown; subname?: string; newname?: string; missing_ok?: boolean }>(node, 'RenameStmt');
    if (!r) return undefined;
    const whole = RELATIONS.has(r.renameType ?? '');
    const what = (r.renameType ?? 'OBJECT').replace(/^OBJECT_/, '').replace('TABCONSTRAINT', 'CONSTRAINT').replace('_', ' ');
    const old = r.subname ?? r.relation?.relname ?? '…';
    const names = namesOf(r);
    if (names && inEveryRerun(target, context, (state) => names.has(state, names.old) === true && names.has(state, names.now) === false)) return undefined;
    const taken = names ? inSomeRerun(target, context, (state) => names.has(state, names.old) === true && names.has(state, names.now) === true) : undefined;
    if (taken) {
      const sqlstate = r.renameType === 'OBJECT_COLUMN' ? '42701' : whole ? '42P07' : '42710';
      return {
        at: target,
        message: `RENAME ${what} ${old} TO ${r.newname ?? '…'} fails with ${sqlstate} (${r.newname ?? '…'} already exists) when it runs again: an earlier statement of that run makes ${old} again, and ${r.newname ?? '…'} is still there from the run before: ${whenAgain(target)}`,
        hint: `make the object under its new name in the first place, and rename only where the old name exists and the new one does not (a DO block that checks both)`,
        sqlstate,
      };
    }
    if (whole && r.missing_ok) return undefined;
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

interface Names {
  old: string;
  now: string;
  /** Whether `name` is there (undefined: the model does not know). */
  has(state: SchemaState, name: string): boolean | undefined;
}

/** How to look the old and the new name up in the model, for the renames it follows. */
function namesOf(r: { renameType?: string; relation?: { relname?: string; schemaname?: string }; object?: unknown; subname?: string; newname?: string }): Names | undefined {
  if (!r.newname) return undefined;
  const present = (p: string): boolean | undefined => (p === 'present' ? true : p === 'absent' ? false : undefined);
  if (RELATIONS.has(r.renameType ?? '')) {
    const schema = r.relation?.schemaname ?? 'public';
    return { old: r.relation?.relname ?? '', now: r.newname, has: (state, name) => present(state.presence(`relation:${schema}.${name}`)) };
  }
  const table = tableKey(r.relation as RangeVar | undefined) ?? '';
  const part = (state: SchemaState, test: (shape: NonNullable<ReturnType<SchemaState['table']>>) => boolean): boolean | undefined => {
    const shape = state.presence(`relation:${table}`) === 'present' ? state.table(table) : undefined;
    return shape && !shape.opaque ? test(shape) : undefined;
  };
  switch (r.renameType) {
    case 'OBJECT_COLUMN':
      return { old: r.subname ?? '', now: r.newname, has: (state, name) => part(state, (shape) => shape.columns.has(name)) };
    case 'OBJECT_TABCONSTRAINT':
      return { old: r.subname ?? '', now: r.newname, has: (state, name) => part(state, (shape) => shape.constraints.has(name) || shape.keys.some((k) => k.name === name)) };
    case 'OBJECT_TRIGGER':
      return { old: r.subname ?? '', now: r.newname, has: (state, name) => part(state, (shape) => shape.triggers.has(name)) };
    case 'OBJECT_TYPE':
    case 'OBJECT_DOMAIN': {
      const key = keyOfNames('type', as<{ items?: unknown[] }>(r.object, 'List')?.items ?? as<{ names?: unknown[] }>(r.object, 'TypeName')?.names);
      if (!key) return undefined;
      const prefix = key.slice(0, key.lastIndexOf('.') + 1);
      return { old: key.slice(prefix.length), now: r.newname, has: (state, name) => present(state.presence(`${prefix}${name}`)) };
    }
  }
  return undefined;
}
