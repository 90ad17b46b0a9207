import type { RangeVar } from 'libpg-query';
import { as, isVolatile, str, tableKey } from '../ast.js';
import { keyOfNames, typeName } from './names.js';
import { addColumn, addConstraint, type ColumnBody, type ConstraintBody } from './parts.js';
import { bareName, relationKey, type Origin, type SchemaState, type TableShape } from './state.js';

/** ALTER TABLE, DROP and RENAME: what they change in the model. */

const RELATIONS: Record<string, string> = {
  OBJECT_TABLE: 'table',
  OBJECT_FOREIGN_TABLE: 'foreign',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'matview',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_INDEX: 'index',
};

export function alterTable(state: SchemaState, alter: Record<string, unknown>, origin: Origin): void {
  if (alter.objtype !== undefined && alter.objtype !== 'OBJECT_TABLE' && alter.objtype !== 'OBJECT_FOREIGN_TABLE') return;
  const table = tableKey(alter.relation as RangeVar | undefined);
  if (!table || !state.table(table)) return;
  for (const item of (alter.cmds as unknown[] | undefined) ?? []) {
    const cmd = as<{ subtype?: string; name?: string; def?: unknown }>(item, 'AlterTableCmd');
    const shape = state.table(table)!;
    const column = cmd?.name ?? '';
    switch (cmd?.subtype) {
      case 'AT_AddColumn': {
        const def = as<ColumnBody>(cmd.def, 'ColumnDef');
        if (def?.colname && !shape.columns.has(def.colname)) addColumn(state, table, state.writable(table)!, def, origin);
        break;
      }
      case 'AT_DropColumn':
        if (shape.columns.has(column)) dropColumn(state, table, column, origin);
        break;
      case 'AT_AlterColumnType': {
        const type = keyOfNames('type', as<ColumnBody>(cmd.def, 'ColumnDef')?.typeName?.names);
        if (type && shape.columns.has(column) && shape.columnTypes.get(column) !== type) state.writable(table)!.columnTypes.set(column, type);
        break;
      }
      case 'AT_ColumnDefault':
        if (shape.columns.has(column)) state.writable(table)!.columns.set(column, cmd.def === undefined ? 'null' : fillOf(cmd.def));
        break;
      case 'AT_AddIdentity':
        if (shape.columns.has(column)) state.writable(table)!.columns.set(column, 'volatile');
        break;
      case 'AT_AddConstraint': {
        const constraint = as<ConstraintBody>(cmd.def, 'Constraint');
        if (constraint && !(constraint.conname && shape.constraints.has(constraint.conname))) addConstraint(state, table, state.writable(table)!, constraint, origin);
        break;
      }
      case 'AT_DropConstraint':
        if (shape.constraints.has(column) || shape.keys.some((k) => k.name === column)) dropConstraint(state.writable(table)!, column, origin);
        break;
      case 'AT_AddInherit':
      case 'AT_AddOf':
        state.blur(table);
        break;
    }
  }
}

/** Where inside a DO block a change happened, when it did. */
function inner(origin: Origin): { step?: number; line?: number } {
  return origin.step !== undefined ? { step: origin.step, ...(origin.line !== undefined ? { line: origin.line } : {}) } : {};
}

function fillOf(expression: unknown): 'volatile' | 'constant' {
  return isVolatile(expression) ? 'volatile' : 'constant';
}

function dropColumn(state: SchemaState, table: string, column: string, origin: Origin): void {
  const shape = state.writable(table)!;
  shape.columns.delete(column);
  shape.columnTypes.delete(column);
  shape.removals.push({ column, by: origin.by, ...inner(origin) });
  for (const key of shape.keys.filter((k) => k.columns?.includes(column))) {
    shape.keys = shape.keys.filter((k) => k !== key);
    shape.removedKeys.push({ key, by: origin.by });
  }
  for (const [name, c] of shape.constraints) if (c.columns?.includes(column)) shape.constraints.delete(name);
  const schema = table.slice(0, table.indexOf('.'));
  const sequence = relationKey(schema, `${table.slice(table.indexOf('.') + 1)}_${column}_seq`);
  if (state.entry(sequence)?.table === table) state.set(sequence, { presence: 'absent', run: origin.run, by: origin.by });
}

function dropConstraint(shape: TableShape, name: string, origin: Origin): void {
  shape.constraints.delete(name);
  for (const key of shape.keys.filter((k) => k.name === name)) {
    shape.keys = shape.keys.filter((k) => k !== key);
    shape.removedKeys.push({ key, by: origin.by });
  }
}

/** `['s', 't', 'x']` → the table key `s.t` and the part's name `x` (triggers, policies, rules). */
function partOf(names: string[]): { table: string; name: string } | undefined {
  if (names.length < 2) return undefined;
  const name = names[names.length - 1]!;
  const rel = names[names.length - 2]!;
  return { table: `${names.length > 2 ? names[names.length - 3]! : 'public'}.${rel}`, name };
}

export function dropObjects(state: SchemaState, drop: Record<string, unknown>, origin: Origin): void {
  const type = (drop.removeType as string | undefined) ?? '';
  const cascade = drop.behavior === 'DROP_CASCADE';
  for (const object of (drop.objects as unknown[] | undefined) ?? []) {
    const names = (as<{ items?: unknown[] }>(object, 'List')?.items ?? []).map((n) => str(n) ?? '');
    if (RELATIONS[type]) {
      const name = names.length > 1 ? `${names[names.length - 2]}.${names[names.length - 1]}` : `public.${names[0] ?? ''}`;
      dropRelation(state, name, origin);
    } else if (type === 'OBJECT_TYPE' || type === 'OBJECT_DOMAIN') {
      const key = keyOfNames('type', as<{ names?: unknown[] }>(object, 'TypeName')?.names);
      if (!key || state.presence(key) === 'absent') continue;
      state.set(key, { presence: 'absent', run: origin.run, by: origin.by });
      if (!cascade) continue;
      for (const [table, shape] of [...state.tables()]) {
        for (const [column, used] of shape.columnTypes) if (used === key) dropColumn(state, table, column, origin);
      }
    } else if (['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE', 'OBJECT_AGGREGATE'].includes(type)) {
      dropFunction(state, object, origin);
    } else if (type === 'OBJECT_TRIGGER' || type === 'OBJECT_POLICY' || type === 'OBJECT_RULE') {
      const part = partOf(names);
      const shape = part ? state.table(part.table) : undefined;
      if (!part || !shape) continue;
      const has = type === 'OBJECT_TRIGGER' ? shape.triggers.has(part.name) : type === 'OBJECT_POLICY' ? shape.policies.has(part.name) : shape.rules.has(part.name);
      if (!has) continue;
      const writable = state.writable(part.table)!;
      if (type === 'OBJECT_TRIGGER') writable.triggers.delete(part.name);
      else if (type === 'OBJECT_POLICY') writable.policies.delete(part.name);
      else writable.rules.delete(part.name);
    } else if (type === 'OBJECT_SCHEMA') {
      const schema = str(object);
      if (!schema || state.presence(`schema:${schema}`) === 'absent') continue;
      state.set(`schema:${schema}`, { presence: 'absent', run: origin.run, by: origin.by });
      if (!cascade) continue;
      for (const [key, entry] of [...state.objects()]) {
        if (entry.presence !== 'absent' && bareName(key).startsWith(`${schema}.`)) state.set(key, { presence: 'absent', run: origin.run, by: origin.by });
      }
    } else if (type === 'OBJECT_EXTENSION') {
      const extension = str(object);
      if (extension && state.presence(`extension:${extension}`) !== 'absent') state.set(`extension:${extension}`, { presence: 'absent', run: origin.run, by: origin.by });
    }
  }
}

function dropRelation(state: SchemaState, name: string, origin: Origin): void {
  const key = `relation:${name}`;
  const entry = state.entry(key);
  if (state.presence(key) === 'absent') return;
  state.set(key, { presence: 'absent', run: origin.run, by: origin.by });
  if (entry?.kind === 'index' && entry.table) {
    const shape = state.table(entry.table);
    const index = name.slice(name.indexOf('.') + 1);
    if (shape?.keys.some((k) => k.name === index)) dropConstraint(state.writable(entry.table)!, index, origin);
    return;
  }
  // What goes with a table: its indexes and owned sequences, and the foreign keys that point at it.
  for (const [other, e] of [...state.objects()]) {
    if (e.table === name && e.presence !== 'absent') state.set(other, { presence: 'absent', run: origin.run, by: origin.by });
  }
  for (const [table, shape] of [...state.tables()]) {
    for (const [constraint, c] of shape.constraints) if (c.references === name) dropConstraint(state.writable(table)!, constraint, origin);
  }
}

function dropFunction(state: SchemaState, object: unknown, origin: Origin): void {
  const fn = as<{ objname?: unknown[]; objargs?: unknown[]; args_unspecified?: boolean }>(object, 'ObjectWithArgs');
  const key = keyOfNames('function', fn?.objname);
  const entry = key ? state.entry(key) : undefined;
  if (!key || !fn || state.presence(key) === 'absent') return;
  if (fn.args_unspecified || !entry?.signatures) {
    state.set(key, { presence: fn.args_unspecified ? 'absent' : 'unknown', run: origin.run, by: origin.by });
    return;
  }
  const signature = (fn.objargs ?? []).map((t) => typeName(as<{ names?: unknown[]; arrayBounds?: unknown[] }>(t, 'TypeName'))).join(',');
  if (!entry.signatures.includes(signature)) return;
  const left = entry.signatures.filter((s) => s !== signature);
  state.set(key, left.length > 0 ? { ...entry, signatures: left } : { presence: 'absent', run: origin.run, by: origin.by });
}

export function renameObject(state: SchemaState, rename: Record<string, unknown>, origin: Origin): void {
  const type = (rename.renameType as string | undefined) ?? '';
  const relation = rename.relation as RangeVar | undefined;
  const newname = rename.newname as string | undefined;
  const subname = rename.subname as string | undefined;
  if (!newname) return;
  if (RELATIONS[type]) {
    const from = tableKey(relation);
    if (!from) return;
    const to = `${relation!.schemaname ?? 'public'}.${newname}`;
    const [was, taken] = [state.presence(`relation:${from}`), state.presence(`relation:${to}`)];
    if (was === 'absent' || taken === 'present') return; // IF EXISTS, or it fails
    if (was === 'unknown' || taken === 'unknown') {
      state.forget(`relation:${from}`);
      state.forget(`relation:${to}`);
      return;
    }
    moveRelation(state, from, to, origin);
    return;
  }
  const table = tableKey(relation) ?? '';
  const shape = state.table(table);
  switch (type) {
    case 'OBJECT_COLUMN': {
      if (!shape || !subname || !shape.columns.has(subname) || shape.columns.has(newname)) return;
      const w = state.writable(table)!;
      w.columns = renameKey(w.columns, subname, newname);
      w.columnTypes = renameKey(w.columnTypes, subname, newname);
      w.keys = w.keys.map((k) => ({ ...k, columns: k.columns?.map((c) => (c === subname ? newname : c)) ?? null }));
      for (const [name, c] of w.constraints) if (c.columns?.includes(subname)) w.constraints.set(name, { ...c, columns: c.columns.map((x) => (x === subname ? newname : x)) });
      w.removals.push({ column: subname, to: newname, by: origin.by, ...inner(origin) });
      return;
    }
    case 'OBJECT_TABCONSTRAINT': {
      if (!shape || !subname || !(shape.constraints.has(subname) || shape.keys.some((k) => k.name === subname))) return;
      const w = state.writable(table)!;
      w.constraints = renameKey(w.constraints, subname, newname);
      w.keys = w.keys.map((k) => (k.name === subname ? { ...k, name: newname } : k));
      return;
    }
    case 'OBJECT_TRIGGER':
      if (shape && subname && shape.triggers.has(subname) && !shape.triggers.has(newname)) {
        const w = state.writable(table)!;
        w.triggers = renameKey(w.triggers, subname, newname);
      }
      return;
    case 'OBJECT_POLICY':
      if (shape && subname && shape.policies.has(subname) && !shape.policies.has(newname)) {
        const w = state.writable(table)!;
        w.policies.delete(subname);
        w.policies.add(newname);
      }
      return;
    case 'OBJECT_TYPE':
    case 'OBJECT_DOMAIN': {
      const names = (as<{ items?: unknown[] }>(rename.object, 'List')?.items ?? []).map((n) => str(n) ?? '');
      const from = keyOfNames('type', as<{ names?: unknown[] }>(rename.object, 'TypeName')?.names ?? names.map((n) => ({ String: { sval: n } })));
      if (!from) return;
      const to = `${from.slice(0, from.lastIndexOf('.') + 1)}${newname}`;
      const entry = state.entry(from);
      if (state.presence(from) !== 'present' || state.presence(to) === 'present') return;
      state.set(from, { presence: 'absent', run: origin.run, by: origin.by });
      state.set(to, { ...entry!, by: origin.by });
      return;
    }
    case 'OBJECT_FUNCTION':
    case 'OBJECT_PROCEDURE':
    case 'OBJECT_ROUTINE': {
      const from = keyOfNames('function', as<{ objname?: unknown[] }>(rename.object, 'ObjectWithArgs')?.objname);
      if (!from) return;
      state.forget(from);
      state.forget(`${from.slice(0, from.lastIndexOf('.') + 1)}${newname}`);
      return;
    }
    case 'OBJECT_SCHEMA':
      state.forgetAll();
      return;
  }
}

function moveRelation(state: SchemaState, from: string, to: string, origin: Origin): void {
  const entry = state.entry(`relation:${from}`)!;
  if (state.table(from)) {
    state.moveTable(from, to);
    // Its indexes and sequences belong to the new name; foreign keys follow it.
    for (const [key, e] of [...state.objects()]) if (e.table === from) state.set(key, { ...e, table: to });
    for (const [table, shape] of [...state.tables()]) {
      for (const [name, c] of shape.constraints) {
        if (c.references === from) state.writable(table)!.constraints.set(name, { ...c, references: to });
      }
    }
    return;
  }
  state.set(`relation:${from}`, { presence: 'absent', run: origin.run, by: origin.by });
  state.set(`relation:${to}`, entry);
  if (entry.kind === 'index' && entry.table) {
    const shape = state.table(entry.table);
    const [old, now] = [from.slice(from.indexOf('.') + 1), to.slice(to.indexOf('.') + 1)];
    if (shape?.keys.some((k) => k.name === old)) {
      const w = state.writable(entry.table)!;
      w.keys = w.keys.map((k) => (k.name === old ? { ...k, name: now } : k));
      if (w.constraints.has(old)) w.constraints = renameKey(w.constraints, old, now);
    }
  }
}

/** A copy of `map` with `from` renamed `to`, in the same place. */
function renameKey<V>(map: Map<string, V>, from: string, to: string): Map<string, V> {
  return new Map([...map].map(([k, v]) => [k === from ? to : k, v] as [string, V]));
}
