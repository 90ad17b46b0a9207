import type { RangeVar } from 'libpg-query';
import type { Statement } from '../migrations/types.js';
import { as, isVolatile, lastName, str, tableKey, tableKeyOf } from './ast.js';
import type { LintContext, LintStatement } from './types.js';

/**
 * A small model of the tables a set creates: their columns (with what a missing value becomes)
 * and their unique keys, statement after statement. The insert rules need it: whether a second
 * INSERT conflicts, doubles its rows or fails depends on the keys the table has when it runs.
 * It only knows what the parser shows; a table that a DO block or an unparsed text touches is
 * `opaque`, and rules say nothing about it.
 */

/** What a column gets when an INSERT leaves it out. */
export type ColumnFill = 'constant' | 'volatile' | 'null';

export interface UniqueKey {
  /** The constraint's or index's name (PostgreSQL's default name when the SQL gives none). */
  name: string;
  /** The key's columns, or null when it has expressions. */
  columns: string[] | null;
  partial: boolean;
  /** The statement that made it. */
  by: LintStatement;
}

export interface TableShape {
  columns: Map<string, ColumnFill>;
  keys: UniqueKey[];
  /** An exclusion constraint: ON CONFLICT DO NOTHING without a target can use it. */
  exclusion: boolean;
  opaque: boolean;
}

export interface RemovedKey {
  key: UniqueKey;
  by: LintStatement;
}

export interface SchemaModel {
  /** The table as a first run finds it when `statement` (an INSERT or COPY) runs. */
  before(statement: Statement): TableShape | undefined;
  /** The table as the whole set leaves it (what a second run of a tracker-less runner finds). */
  atEnd(table: string): TableShape | undefined;
  /** Keys of `table` that statements of the set dropped, with the statement that did. */
  removed(table: string): RemovedKey[];
}

const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

export function buildSchema(statements: LintStatement[], ast: LintContext['ast']): SchemaModel {
  const tables = new Map<string, TableShape>();
  const before = new Map<Statement, TableShape | undefined>();
  const removed = new Map<string, RemovedKey[]>();

  const drop = (table: string, key: UniqueKey, by: LintStatement): void => {
    const shape = tables.get(table);
    if (shape) shape.keys = shape.keys.filter((k) => k !== key);
    removed.set(table, [...(removed.get(table) ?? []), { key, by }]);
  };

  for (const s of statements) {
    const kind = s.statement.kind;
    if (kind === 'NoParse') {
      for (const shape of tables.values()) shape.opaque = true;
      continue;
    }
    if (!INTERESTING.has(kind)) continue;
    const node = ast(s.statement);
    if (!node) continue;

    if (kind === 'InsertStmt' || kind === 'CopyStmt') {
      const body = as<{ relation?: RangeVar }>(node, kind);
      const table = tableKey(body?.relation);
      const shape = table ? tables.get(table) : undefined;
      before.set(s.statement, shape ? clone(shape) : undefined);
      continue;
    }
    if (kind === 'CreateStmt') {
      createTable(tables, node, s);
    } else if (kind === 'CreateTableAsStmt') {
      const into = as<{ into?: { rel?: RangeVar } }>(node, 'CreateTableAsStmt')?.into;
      const table = tableKey(into?.rel);
      if (table && !tables.has(table)) tables.set(table, { columns: new Map(), keys: [], exclusion: false, opaque: true });
    } else if (kind === 'IndexStmt') {
      const index = as<IndexBody>(node, 'IndexStmt')!;
      const table = tableKey(index.relation);
      const shape = table ? tables.get(table) : undefined;
      if (!shape || !index.unique) continue;
      const columns = indexColumns(index.indexParams);
      const name = index.idxname ?? `${index.relation!.relname}_${(columns ?? ['expr']).join('_')}_idx`;
      if (shape.keys.some((k) => k.name === name)) continue; // IF NOT EXISTS, or the first run failed here
      shape.keys.push({ name, columns, partial: index.whereClause !== undefined, by: s });
    } else if (kind === 'AlterTableStmt') {
      alterTable(tables, node, s, drop);
    } else if (kind === 'DropStmt') {
      const dropped = as<{ removeType?: string; objects?: unknown[] }>(node, 'DropStmt')!;
      for (const object of dropped.objects ?? []) {
        const names = (as<{ items?: unknown[] }>(object, 'List')?.items ?? []).map((n) => str(n) ?? '');
        if (dropped.removeType === 'OBJECT_TABLE') {
          const table = tableKeyOf(names);
          if (table) tables.delete(table);
        } else if (dropped.removeType === 'OBJECT_INDEX') {
          const name = names[names.length - 1];
          for (const [table, shape] of tables) {
            for (const key of shape.keys.filter((k) => k.name === name)) drop(table, key, s);
          }
        }
      }
    } else if (kind === 'RenameStmt') {
      rename(tables, node);
    } else if (kind === 'DoStmt') {
      // A DO block's body is plpgsql, which this model does not read: a table it names has
      // unknown keys from here on.
      const body = JSON.stringify(as(node, 'DoStmt') ?? {}).toLowerCase();
      for (const [name] of body.matchAll(/[\w$]+(\.[\w$]+)?/g)) {
        const shape = tables.get(name.includes('.') ? name : `public.${name}`);
        if (shape) shape.opaque = true;
      }
    }
  }

  return {
    before: (statement) => before.get(statement),
    atEnd: (table) => tables.get(table),
    removed: (table) => removed.get(table) ?? [],
  };
}

const INTERESTING = new Set([
  'InsertStmt',
  'CopyStmt',
  'CreateStmt',
  'CreateTableAsStmt',
  'IndexStmt',
  'AlterTableStmt',
  'DropStmt',
  'RenameStmt',
  'DoStmt',
]);

interface IndexBody {
  idxname?: string;
  relation?: RangeVar;
  indexParams?: unknown[];
  whereClause?: unknown;
  unique?: boolean;
}

interface ConstraintBody {
  contype?: string;
  conname?: string;
  keys?: unknown[];
  indexname?: string;
  raw_expr?: unknown;
}

function clone(shape: TableShape): TableShape {
  return { columns: new Map(shape.columns), keys: [...shape.keys], exclusion: shape.exclusion, opaque: shape.opaque };
}

function indexColumns(params: unknown[] | undefined): string[] | null {
  const columns: string[] = [];
  for (const param of params ?? []) {
    const name = as<{ name?: string }>(param, 'IndexElem')?.name;
    if (name === undefined) return null;
    columns.push(name);
  }
  return columns;
}

function columnFill(column: { typeName?: { names?: unknown[] }; constraints?: unknown[] }): ColumnFill {
  const type = lastName(column.typeName?.names)?.toLowerCase();
  if (type && SERIAL_TYPES.has(type)) return 'volatile';
  let fill: ColumnFill = 'null';
  for (const c of column.constraints ?? []) {
    const constraint = as<ConstraintBody>(c, 'Constraint');
    if (constraint?.contype === 'CONSTR_IDENTITY') return 'volatile';
    if (constraint?.contype === 'CONSTR_DEFAULT') fill = isVolatile(constraint.raw_expr) ? 'volatile' : 'constant';
    if (constraint?.contype === 'CONSTR_GENERATED') fill = 'constant';
  }
  return fill;
}

function keyName(table: string, contype: string | undefined, columns: string[] | null): string {
  const rel = table.slice(table.indexOf('.') + 1);
  return contype === 'CONSTR_PRIMARY' ? `${rel}_pkey` : `${rel}_${(columns ?? ['expr']).join('_')}_key`;
}

/** Adds a column definition's own PRIMARY KEY / UNIQUE to the table. */
function addColumn(shape: TableShape, table: string, column: ColumnBody, by: LintStatement): void {
  if (!column.colname) return;
  shape.columns.set(column.colname, columnFill(column));
  for (const c of column.constraints ?? []) {
    const constraint = as<ConstraintBody>(c, 'Constraint');
    if (constraint?.contype === 'CONSTR_PRIMARY' || constraint?.contype === 'CONSTR_UNIQUE') {
      const columns = [column.colname];
      shape.keys.push({ name: constraint.conname ?? keyName(table, constraint.contype, columns), columns, partial: false, by });
    }
  }
}

interface ColumnBody {
  colname?: string;
  typeName?: { names?: unknown[] };
  constraints?: unknown[];
}

function addConstraint(shape: TableShape, table: string, constraint: ConstraintBody, by: LintStatement): void {
  if (constraint.contype === 'CONSTR_EXCLUSION') {
    shape.exclusion = true;
    return;
  }
  if (constraint.contype !== 'CONSTR_PRIMARY' && constraint.contype !== 'CONSTR_UNIQUE') return;
  let columns: string[] | null = (constraint.keys ?? []).map((k) => str(k) ?? '?');
  if (constraint.indexname) {
    // ADD CONSTRAINT … USING INDEX: the index becomes the constraint, under the constraint's name.
    const index = shape.keys.find((k) => k.name === constraint.indexname);
    columns = index ? index.columns : null;
    if (index) shape.keys = shape.keys.filter((k) => k !== index);
  }
  const name = constraint.conname ?? keyName(table, constraint.contype, columns);
  if (shape.keys.some((k) => k.name === name)) return;
  shape.keys.push({ name, columns, partial: false, by });
}

function createTable(tables: Map<string, TableShape>, node: unknown, by: LintStatement): void {
  const create = as<{ relation?: RangeVar; tableElts?: unknown[]; inhRelations?: unknown[]; partbound?: unknown; ofTypename?: unknown }>(node, 'CreateStmt')!;
  const table = tableKey(create.relation);
  if (!table || tables.has(table)) return; // IF NOT EXISTS on a second CREATE: nothing changes
  const shape: TableShape = { columns: new Map(), keys: [], exclusion: false, opaque: false };
  // Inherited or copied definitions bring columns and keys this model cannot see.
  if (create.inhRelations?.length || create.partbound || create.ofTypename) shape.opaque = true;
  for (const element of create.tableElts ?? []) {
    const column = as<ColumnBody>(element, 'ColumnDef');
    if (column) addColumn(shape, table, column, by);
    const constraint = as<ConstraintBody>(element, 'Constraint');
    if (constraint) addConstraint(shape, table, constraint, by);
    if (as(element, 'TableLikeClause')) shape.opaque = true;
  }
  tables.set(table, shape);
}

function alterTable(
  tables: Map<string, TableShape>,
  node: unknown,
  by: LintStatement,
  drop: (table: string, key: UniqueKey, by: LintStatement) => void,
): void {
  const alter = as<{ relation?: RangeVar; cmds?: unknown[] }>(node, 'AlterTableStmt')!;
  const table = tableKey(alter.relation);
  const shape = table ? tables.get(table) : undefined;
  if (!table || !shape) return;
  for (const item of alter.cmds ?? []) {
    const cmd = as<{ subtype?: string; name?: string; def?: unknown }>(item, 'AlterTableCmd');
    if (!cmd) continue;
    switch (cmd.subtype) {
      case 'AT_AddColumn': {
        const column = as<ColumnBody>(cmd.def, 'ColumnDef');
        if (column?.colname && !shape.columns.has(column.colname)) addColumn(shape, table, column, by);
        break;
      }
      case 'AT_ColumnDefault':
        if (cmd.name && shape.columns.has(cmd.name)) {
          shape.columns.set(cmd.name, cmd.def === undefined ? 'null' : isVolatile(cmd.def) ? 'volatile' : 'constant');
        }
        break;
      case 'AT_DropColumn':
        shape.columns.delete(cmd.name ?? '');
        for (const key of shape.keys.filter((k) => k.columns?.includes(cmd.name ?? ''))) drop(table, key, by);
        break;
      case 'AT_AddConstraint': {
        const constraint = as<ConstraintBody>(cmd.def, 'Constraint');
        if (constraint) addConstraint(shape, table, constraint, by);
        break;
      }
      case 'AT_DropConstraint':
        for (const key of shape.keys.filter((k) => k.name === cmd.name)) drop(table, key, by);
        break;
    }
  }
}

function rename(tables: Map<string, TableShape>, node: unknown): void {
  const r = as<{ renameType?: string; relation?: RangeVar; subname?: string; newname?: string }>(node, 'RenameStmt')!;
  if (r.renameType === 'OBJECT_INDEX') {
    // ALTER INDEX names the index, not its table.
    for (const shape of tables.values()) shape.keys = shape.keys.map((k) => (k.name === r.relation?.relname ? { ...k, name: r.newname ?? k.name } : k));
    return;
  }
  const table = tableKey(r.relation);
  const shape = table ? tables.get(table) : undefined;
  if (!table || !shape || !r.newname) return;
  switch (r.renameType) {
    case 'OBJECT_TABLE':
      tables.delete(table);
      tables.set(`${r.relation?.schemaname ?? 'public'}.${r.newname}`, shape);
      break;
    case 'OBJECT_COLUMN': {
      const fill = shape.columns.get(r.subname ?? '');
      if (fill === undefined) return;
      shape.columns.delete(r.subname!);
      shape.columns.set(r.newname, fill);
      shape.keys = shape.keys.map((k) => ({ ...k, columns: k.columns?.map((c) => (c === r.subname ? r.newname! : c)) ?? null }));
      break;
    }
    case 'OBJECT_TABCONSTRAINT':
      shape.keys = shape.keys.map((k) => (k.name === r.subname ? { ...k, name: r.newname! } : k));
      break;
  }
}

