import { as, columnRefs, isVolatile, lastName, str, tableKey } from '../ast.js';
import type { RangeVar } from 'libpg-query';
import { keyOfNames } from './names.js';
import { relationKey, type ColumnFill, type Constraint, type Origin, type SchemaState, type TableShape } from './state.js';

/** A table's parts: columns with their own constraints, and table constraints, as CREATE and ALTER TABLE add them. */

const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

export interface ColumnBody {
  colname?: string;
  typeName?: { names?: unknown[]; arrayBounds?: unknown[] };
  constraints?: unknown[];
}

export interface ConstraintBody {
  contype?: string;
  conname?: string;
  keys?: unknown[];
  fk_attrs?: unknown[];
  pktable?: RangeVar;
  indexname?: string;
  raw_expr?: unknown;
  exclusions?: unknown[];
}

function columnFill(column: ColumnBody): ColumnFill {
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

/** Adds a column with its own constraints to a table this state owns. */
export function addColumn(state: SchemaState, table: string, shape: TableShape, column: ColumnBody, origin: Origin): void {
  if (!column.colname) return;
  const names = column.typeName?.names ?? [];
  shape.columns.set(column.colname, columnFill(column));
  const typeKeyOf = keyOfNames('type', names);
  if (typeKeyOf) shape.columnTypes.set(column.colname, typeKeyOf);
  const type = lastName(names)?.toLowerCase();
  if (type && SERIAL_TYPES.has(type)) {
    const schema = table.slice(0, table.indexOf('.'));
    const sequence = relationKey(schema, `${table.slice(table.indexOf('.') + 1)}_${column.colname}_seq`);
    if (state.presence(sequence) !== 'present') state.set(sequence, { presence: 'present', run: origin.run, by: origin.by, kind: 'sequence', table });
  }
  for (const c of column.constraints ?? []) {
    const constraint = as<ConstraintBody>(c, 'Constraint');
    if (!constraint || !['CONSTR_PRIMARY', 'CONSTR_UNIQUE', 'CONSTR_FOREIGN', 'CONSTR_CHECK'].includes(constraint.contype ?? '')) continue;
    addConstraint(state, table, shape, { ...constraint, keys: [{ String: { sval: column.colname } }], fk_attrs: [{ String: { sval: column.colname } }] }, origin, column.colname);
  }
}

/** PostgreSQL's name for a constraint the SQL leaves unnamed. */
function defaultName(table: string, contype: string | undefined, columns: string[] | null): string {
  const rel = table.slice(table.indexOf('.') + 1);
  const cols = (columns ?? ['expr']).join('_');
  switch (contype) {
    case 'CONSTR_PRIMARY':
      return `${rel}_pkey`;
    case 'CONSTR_FOREIGN':
      return `${rel}_${cols}_fkey`;
    case 'CONSTR_CHECK':
      return columns?.length === 1 ? `${rel}_${cols}_check` : `${rel}_check`;
    case 'CONSTR_EXCLUSION':
      return `${rel}_${cols}_excl`;
    default:
      return `${rel}_${cols}_key`;
  }
}

/** Adds a table constraint to a table this state owns; `column` for a column's own constraint. */
export function addConstraint(state: SchemaState, table: string, shape: TableShape, constraint: ConstraintBody, origin: Origin, column?: string): void {
  const contype = constraint.contype ?? '';
  let columns: string[] | null;
  switch (contype) {
    case 'CONSTR_PRIMARY':
    case 'CONSTR_UNIQUE':
      columns = (constraint.keys ?? []).map((k) => str(k) ?? '?');
      break;
    case 'CONSTR_FOREIGN':
      columns = (constraint.fk_attrs ?? []).map((k) => str(k) ?? '?');
      break;
    case 'CONSTR_CHECK': {
      const refs = [...new Set(columnRefs(constraint.raw_expr).map((r) => r.name))];
      columns = column ? [column] : refs;
      break;
    }
    case 'CONSTR_EXCLUSION':
      columns = null;
      shape.exclusion = true;
      break;
    default:
      return;
  }
  if (constraint.indexname) {
    // ADD CONSTRAINT … USING INDEX: the index becomes the constraint, under the constraint's name.
    const index = shape.keys.find((k) => k.name === constraint.indexname);
    columns = index ? index.columns : null;
    if (index) shape.keys = shape.keys.filter((k) => k !== index);
  }
  const name = constraint.conname ?? defaultName(table, contype, columns);
  if (constraint.indexname && constraint.indexname !== name) {
    // The index takes the constraint's name.
    const schema = table.slice(0, table.indexOf('.'));
    const entry = state.entry(relationKey(schema, constraint.indexname));
    state.set(relationKey(schema, constraint.indexname), { presence: 'absent', run: origin.run, by: origin.by });
    if (entry) state.set(relationKey(schema, name), { ...entry, by: origin.by });
  }
  if (shape.constraints.has(name) || shape.keys.some((k) => k.name === name)) return;
  const entry: Constraint = { type: contype.replace(/^CONSTR_/, ''), ...(columns ? { columns } : {}) };
  if (contype === 'CONSTR_FOREIGN') {
    const references = tableKey(constraint.pktable);
    if (references) entry.references = references;
  }
  shape.constraints.set(name, entry);
  if (contype === 'CONSTR_PRIMARY' || contype === 'CONSTR_UNIQUE') shape.keys.push({ name, columns, partial: false, by: origin.by });
}
