import type { RangeVar } from 'libpg-query';
import { as, lastName, parseStatement, str } from '../ast.js';
import type { Presence, SchemaState } from './state.js';

/**
 * The conditions idempotent sets guard their DDL with, evaluated on the model: `IF NOT EXISTS
 * (SELECT 1 FROM pg_constraint WHERE conname = '…')`, `IF EXISTS (SELECT 1 FROM
 * information_schema.columns WHERE table_name = '…' AND column_name = '…')`, `to_regclass('…') IS
 * NULL`, and AND / OR / NOT of them. Anything else is undefined: the branch may or may not run.
 */
export function evaluateCondition(condition: string, state: SchemaState): boolean | undefined {
  let expr = parsed.get(condition);
  if (expr === undefined) {
    const select = as<{ targetList?: unknown[] }>(parseStatement(`SELECT ${condition}`), 'SelectStmt');
    expr = select?.targetList?.length === 1 ? (as<{ val?: unknown }>(select.targetList[0], 'ResTarget')?.val ?? null) : null;
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(condition, expr);
  }
  return expr === null ? undefined : truth(expr, state);
}

/** Conditions parsed once: every run of the model evaluates the same ones again. */
const parsed = new Map<string, unknown>();

function truth(expr: unknown, state: SchemaState): boolean | undefined {
  const bool = as<{ boolop?: string; args?: unknown[] }>(expr, 'BoolExpr');
  if (bool) {
    const values = (bool.args ?? []).map((a) => truth(a, state));
    switch (bool.boolop) {
      case 'NOT_EXPR':
        return values[0] === undefined ? undefined : !values[0];
      case 'AND_EXPR':
        return values.includes(false) ? false : values.every((v) => v === true) ? true : undefined;
      default:
        return values.includes(true) ? true : values.every((v) => v === false) ? false : undefined;
    }
  }
  const sublink = as<{ subLinkType?: string; subselect?: unknown }>(expr, 'SubLink');
  if (sublink?.subLinkType === 'EXISTS_SUBLINK') return known(exists(sublink.subselect, state));
  const test = as<{ arg?: unknown; nulltesttype?: string }>(expr, 'NullTest');
  if (test) {
    const present = known(regLookup(test.arg, state));
    return present === undefined ? undefined : test.nulltesttype === 'IS_NULL' ? !present : present;
  }
  const constant = as<{ boolval?: { boolval?: boolean } }>(expr, 'A_Const');
  if (constant && 'boolval' in constant) return constant.boolval?.boolval ?? false;
  return undefined;
}

function known(presence: Presence | undefined): boolean | undefined {
  return presence === 'present' ? true : presence === 'absent' ? false : undefined;
}

/** to_regclass('t'), to_regtype('x'), to_regproc('f'), to_regnamespace('s'). */
function regLookup(expr: unknown, state: SchemaState): Presence | undefined {
  const call = as<{ funcname?: unknown[]; args?: unknown[] }>(expr, 'FuncCall');
  const value = call?.args?.length === 1 ? constant(call.args[0]) : undefined;
  if (value === undefined) return undefined;
  const { schema, name } = qualified(value);
  switch (lastName(call!.funcname)?.toLowerCase()) {
    case 'to_regclass':
      return inSchemas(state, 'relation', schema, name);
    case 'to_regtype':
      return either(inSchemas(state, 'type', schema, name), inSchemas(state, 'relation', schema, name));
    case 'to_regproc':
    case 'to_regprocedure':
      return inSchemas(state, 'function', schema, name.replace(/\(.*$/, ''));
    case 'to_regnamespace':
      return schemaPresence(state, name);
  }
  return undefined;
}

/** `'s.t'` → { schema: 's', name: 't' }; a regclass text is folded to lower case unless quoted. */
function qualified(text: string): { schema?: string; name: string } {
  const parts = text.split('.').map((p) => (p.startsWith('"') ? p.replaceAll('"', '') : p.toLowerCase()));
  return parts.length > 1 ? { schema: parts[0]!, name: parts[1]! } : { name: parts[0]! };
}

/** A string constant, also through a cast (`'t'::regclass`). */
function constant(expr: unknown): string | undefined {
  const cast = as<{ arg?: unknown }>(expr, 'TypeCast');
  return as<{ sval?: { sval?: string } }>(cast ? cast.arg : expr, 'A_Const')?.sval?.sval;
}

/** Catalog filters this evaluator understands, per catalog: the column's role. */
const CATALOGS: Record<string, Record<string, string>> = {
  'information_schema.columns': { table_schema: 'schema', table_name: 'table', column_name: 'column' },
  'information_schema.tables': { table_schema: 'schema', table_name: 'relation' },
  'information_schema.views': { table_schema: 'schema', table_name: 'relation' },
  'information_schema.sequences': { sequence_schema: 'schema', sequence_name: 'relation' },
  'information_schema.table_constraints': { constraint_schema: 'schema', table_schema: 'schema', table_name: 'table', constraint_name: 'constraint' },
  'information_schema.triggers': { event_object_schema: 'schema', event_object_table: 'table', trigger_name: 'trigger' },
  'information_schema.routines': { routine_schema: 'schema', routine_name: 'function' },
  'information_schema.schemata': { schema_name: 'namespace' },
  pg_tables: { schemaname: 'schema', tablename: 'relation' },
  pg_views: { schemaname: 'schema', viewname: 'relation' },
  pg_matviews: { schemaname: 'schema', matviewname: 'relation' },
  pg_indexes: { schemaname: 'schema', indexname: 'relation', tablename: 'ignore' },
  pg_sequences: { schemaname: 'schema', sequencename: 'relation' },
  pg_class: { relname: 'relation' },
  pg_constraint: { conname: 'constraint', conrelid: 'regclass' },
  pg_type: { typname: 'type' },
  pg_trigger: { tgname: 'trigger', tgrelid: 'regclass' },
  pg_proc: { proname: 'function' },
  pg_namespace: { nspname: 'namespace' },
  pg_extension: { extname: 'extension' },
  pg_enum: { enumlabel: 'label', enumtypid: 'regtype' },
  pg_attribute: { attname: 'column', attrelid: 'regclass', attisdropped: 'ignore', attnum: 'ignore' },
  pg_policies: { schemaname: 'schema', tablename: 'table', policyname: 'policy' },
  pg_policy: { polname: 'policy', polrelid: 'regclass' },
};

/** EXISTS (SELECT … FROM <one catalog> WHERE <col> = '<value>' AND …) on the model. */
function exists(select: unknown, state: SchemaState): Presence | undefined {
  const body = as<{ fromClause?: unknown[]; whereClause?: unknown }>(select, 'SelectStmt');
  if (body?.fromClause?.length !== 1) return undefined;
  const range = as<RangeVar & { alias?: { aliasname?: string } }>(body.fromClause[0], 'RangeVar');
  if (!range?.relname) return undefined;
  const catalog = range.schemaname && range.schemaname !== 'pg_catalog' ? `${range.schemaname}.${range.relname}` : range.relname;
  const roles = CATALOGS[catalog];
  if (!roles) return undefined;
  const filters = new Map<string, string>();
  for (const clause of conjuncts(body.whereClause)) {
    const filter = equality(clause, [range.relname, range.alias?.aliasname]);
    if (!filter) {
      if (JSON.stringify(clause).includes('attisdropped') || JSON.stringify(clause).includes('attnum')) continue; // live columns only: true for the model's
      return undefined;
    }
    const role = roles[filter.column];
    if (!role) return undefined;
    if (role !== 'ignore') filters.set(role, filter.value);
  }
  return lookup(filters, state);
}

function conjuncts(where: unknown): unknown[] {
  const bool = as<{ boolop?: string; args?: unknown[] }>(where, 'BoolExpr');
  if (bool?.boolop === 'AND_EXPR') return (bool.args ?? []).flatMap(conjuncts);
  return where === undefined ? [] : [where];
}

/** `c.col = 'value'` (either side), with `current_schema()` read as public. */
function equality(clause: unknown, names: (string | undefined)[]): { column: string; value: string } | undefined {
  const expr = as<{ kind?: string; name?: unknown[]; lexpr?: unknown; rexpr?: unknown }>(clause, 'A_Expr');
  if (expr?.kind !== 'AEXPR_OP' || str(expr.name?.[0]) !== '=') return undefined;
  for (const [left, right] of [
    [expr.lexpr, expr.rexpr],
    [expr.rexpr, expr.lexpr],
  ]) {
    const fields = (as<{ fields?: unknown[] }>(left, 'ColumnRef')?.fields ?? []).map((f) => str(f));
    if (fields.length === 0 || fields.length > 2 || fields.some((f) => f === undefined)) continue;
    if (fields.length === 2 && !names.includes(fields[0])) return undefined;
    const call = as<{ funcname?: unknown[] }>(right, 'FuncCall');
    const value = call ? (lastName(call.funcname) === 'current_schema' ? 'public' : undefined) : constant(right) ?? schemaFunction(right);
    if (value !== undefined) return { column: fields[fields.length - 1]!, value };
  }
  return undefined;
}

function schemaFunction(expr: unknown): string | undefined {
  return as<{ op?: string }>(expr, 'SQLValueFunction')?.op === 'SVFOP_CURRENT_SCHEMA' ? 'public' : undefined;
}

function lookup(f: Map<string, string>, state: SchemaState): Presence | undefined {
  const schema = f.get('schema');
  const regclass = f.get('regclass') !== undefined ? qualified(f.get('regclass')!) : undefined;
  const table = regclass ? `${regclass.schema ?? 'public'}.${regclass.name}` : f.has('table') ? `${schema ?? 'public'}.${f.get('table')}` : undefined;
  if (f.has('column')) return table ? columnPresence(state, table, f.get('column')!) : undefined;
  if (f.has('constraint')) return part(state, table, (shape) => shape.constraints.has(f.get('constraint')!) || shape.keys.some((k) => k.name === f.get('constraint')));
  if (f.has('trigger')) return part(state, table, (shape) => shape.triggers.has(f.get('trigger')!));
  if (f.has('policy')) return part(state, table, (shape) => shape.policies.has(f.get('policy')!));
  if (f.has('relation')) return inSchemas(state, 'relation', schema, f.get('relation')!);
  if (f.has('type')) return either(inSchemas(state, 'type', schema, f.get('type')!), inSchemas(state, 'relation', schema, f.get('type')!));
  if (f.has('function')) return inSchemas(state, 'function', schema, f.get('function')!);
  if (f.has('namespace')) return schemaPresence(state, f.get('namespace')!);
  if (f.has('extension')) return state.presence(`extension:${f.get('extension')!}`);
  if (f.has('label')) {
    const type = f.get('regtype') !== undefined ? qualified(f.get('regtype')!) : undefined;
    if (!type) return undefined;
    const entry = state.entry(`type:${type.schema ?? 'public'}.${type.name}`);
    if (state.presence(`type:${type.schema ?? 'public'}.${type.name}`) === 'absent') return 'absent';
    return entry?.presence === 'present' && entry.labels ? (entry.labels.includes(f.get('label')!) ? 'present' : 'absent') : 'unknown';
  }
  return undefined;
}

function either(a: Presence | undefined, b: Presence | undefined): Presence | undefined {
  if (a === 'present' || b === 'present') return 'present';
  return a === 'absent' && b === 'absent' ? 'absent' : 'unknown';
}

export function columnPresence(state: SchemaState, table: string, column: string): Presence {
  const presence = state.presence(`relation:${table}`);
  if (state.gone(`relation:${table}`)) return 'absent';
  const shape = state.table(table);
  if (presence !== 'present' || !shape) return 'unknown';
  if (shape.columns.has(column)) return 'present';
  return shape.opaque ? 'unknown' : 'absent';
}

/** A part of one table (or, without a table, of any): constraint, trigger, policy. */
function part(state: SchemaState, table: string | undefined, has: (shape: NonNullable<ReturnType<SchemaState['table']>>) => boolean): Presence {
  if (table !== undefined) {
    const presence = state.presence(`relation:${table}`);
    const shape = state.table(table);
    if (state.gone(`relation:${table}`)) return 'absent';
    if (presence !== 'present' || !shape) return 'unknown';
    return has(shape) ? 'present' : shape.opaque ? 'unknown' : 'absent';
  }
  let unknown = state.anyUnknown;
  const found = state.someTable((shape) => {
    if (shape.opaque) unknown = true;
    return has(shape);
  });
  return found ? 'present' : unknown ? 'unknown' : 'absent';
}

/** An object by name, in one schema or (no schema given) in any. */
function inSchemas(state: SchemaState, kind: string, schema: string | undefined, name: string): Presence {
  if (schema !== undefined) return state.presence(`${kind}:${schema}.${name}`);
  if (state.presence(`${kind}:public.${name}`) === 'present') return 'present';
  let result: Presence = state.anyUnknown ? 'unknown' : 'absent';
  for (const [key, entry] of state.objects()) {
    if (entry.presence !== 'present' || !key.startsWith(`${kind}:`) || !key.endsWith(`.${name}`)) continue;
    if (!key.slice(kind.length + 1, -name.length - 1).includes('.')) return 'present';
  }
  return result;
}

function schemaPresence(state: SchemaState, name: string): Presence {
  const presence = state.presence(`schema:${name}`);
  return name === 'public' && state.entry('schema:public') === undefined ? 'present' : presence;
}
