import type { Node, RangeVar } from 'libpg-query';
import { as, str, tableKey, walk } from '../ast.js';
import type { LintStatement } from '../statement.js';
import { alterTable, dropObjects, renameObject } from './change.js';
import { keyOfNames, signatureOf } from './names.js';
import { addColumn, addConstraint, type ColumnBody, type ConstraintBody } from './parts.js';
import { readDo } from './plpgsql.js';
import { emptyShape, relationKey, type Origin, type Run, type SchemaState } from './state.js';
import { forgetWords, walkDo } from './walk.js';

/** Statement kinds that change what the model knows; the others are not even parsed. */
export const SCHEMA_KINDS = new Set([
  'CreateStmt',
  'CreateForeignTableStmt',
  'CreateTableAsStmt',
  'SelectStmt',
  'ViewStmt',
  'IndexStmt',
  'CreateSeqStmt',
  'CreateSchemaStmt',
  'CreateExtensionStmt',
  'CreateEnumStmt',
  'CompositeTypeStmt',
  'CreateDomainStmt',
  'CreateRangeStmt',
  'CreateFunctionStmt',
  'CreateTrigStmt',
  'CreatePolicyStmt',
  'RuleStmt',
  'AlterTableStmt',
  'AlterEnumStmt',
  'AlterObjectSchemaStmt',
  'DropStmt',
  'RenameStmt',
  'DoStmt',
]);

/** Applies one statement of the plan. A statement nobody could parse may have changed anything. */
export function applyStatement(state: SchemaState, target: LintStatement, node: Node | undefined, run: Run): void {
  const kind = target.statement.kind;
  if (kind === 'NoParse' || kind === 'Unknown') return state.forgetAll();
  if (!SCHEMA_KINDS.has(kind)) return;
  if (!node) return state.forgetAll();
  applyNode(state, node, { by: target, run });
}

/** Applies a parse tree: as if it succeeded (a failure is another rule's finding) or changed nothing. */
export function applyNode(state: SchemaState, node: Node, origin: Origin): void {
  const [kind, body] = Object.entries(node)[0] as [string, Record<string, unknown>];
  switch (kind) {
    case 'CreateStmt':
      return createTable(state, body, origin);
    case 'CreateForeignTableStmt':
      return createTable(state, (body.base as { CreateStmt?: Record<string, unknown> } | undefined) ?? {}, origin, 'foreign');
    case 'CreateTableAsStmt': {
      const into = body.into as { rel?: RangeVar } | undefined;
      return createDerived(state, into?.rel, body.objtype === 'OBJECT_MATVIEW' ? 'matview' : 'table', Boolean(body.if_not_exists), origin);
    }
    case 'SelectStmt': {
      const into = body.intoClause as { rel?: RangeVar } | undefined;
      if (into?.rel) createDerived(state, into.rel, 'table', false, origin);
      return;
    }
    case 'ViewStmt': {
      const view = body.view as RangeVar | undefined;
      const name = tableKey(view);
      if (!name || view?.relpersistence === 't') return;
      if (state.presence(`relation:${name}`) === 'present' && !body.replace) return;
      return state.set(`relation:${name}`, { presence: 'present', run: origin.run, by: origin.by, kind: 'view', uses: readsFrom(body.query) });
    }
    case 'IndexStmt':
      return createIndex(state, body, origin);
    case 'CreateSeqStmt': {
      const sequence = body.sequence as RangeVar | undefined;
      const name = tableKey(sequence);
      if (name && sequence?.relpersistence !== 't') createObject(state, `relation:${name}`, { kind: 'sequence' }, origin);
      return;
    }
    case 'CreateSchemaStmt':
      if (typeof body.schemaname === 'string') createObject(state, `schema:${body.schemaname}`, {}, origin);
      return;
    case 'CreateExtensionStmt':
      if (typeof body.extname === 'string') createObject(state, `extension:${body.extname}`, {}, origin);
      return;
    case 'CreateEnumStmt': {
      const key = keyOfNames('type', body.typeName);
      const labels = ((body.vals as unknown[] | undefined) ?? []).map((v) => str(v) ?? '');
      if (key) createObject(state, key, { labels }, origin);
      return;
    }
    case 'CompositeTypeStmt': {
      const name = tableKey(body.typevar as RangeVar | undefined);
      if (name) createObject(state, `type:${name}`, {}, origin);
      return;
    }
    case 'CreateDomainStmt':
    case 'CreateRangeStmt': {
      const key = keyOfNames('type', kind === 'CreateDomainStmt' ? body.domainname : body.typeName);
      if (key) createObject(state, key, {}, origin);
      return;
    }
    case 'CreateFunctionStmt':
      return createFunction(state, body, origin);
    case 'CreateTrigStmt': {
      const shape = state.table(tableKey(body.relation as RangeVar | undefined) ?? '');
      const name = body.trigname as string | undefined;
      const fn = keyOfNames('function', body.funcname);
      if (!shape || !name || (shape.triggers.has(name) && (!body.replace || shape.triggers.get(name) === fn))) return;
      state.writable(tableKey(body.relation as RangeVar)!)!.triggers.set(name, fn);
      return;
    }
    case 'CreatePolicyStmt':
    case 'RuleStmt': {
      const table = tableKey((kind === 'RuleStmt' ? body.relation : body.table) as RangeVar | undefined) ?? '';
      const name = (kind === 'RuleStmt' ? body.rulename : body.policy_name) as string | undefined;
      const shape = state.table(table);
      const set = kind === 'RuleStmt' ? shape?.rules : shape?.policies;
      if (!name || !set || set.has(name)) return;
      const writable = state.writable(table)!;
      (kind === 'RuleStmt' ? writable.rules : writable.policies).add(name);
      return;
    }
    case 'AlterEnumStmt':
      return alterEnum(state, body, origin);
    case 'AlterTableStmt':
      return alterTable(state, body, origin);
    case 'DropStmt':
      return dropObjects(state, body, origin);
    case 'RenameStmt':
      return renameObject(state, body, origin);
    case 'AlterObjectSchemaStmt': {
      // SET SCHEMA moves an object this model keys by schema: it knows neither place from here on.
      const name = tableKey(body.relation as RangeVar | undefined);
      if (name) state.forget(`relation:${name}`);
      const type = keyOfNames('type', as<{ items?: unknown[] }>(body.object, 'List')?.items ?? as<{ names?: unknown[] }>(body.object, 'TypeName')?.names);
      if (type) state.forget(type);
      return;
    }
    case 'DoStmt': {
      const body = readDo(origin.by, node);
      if (body) walkDo(state, body, origin, applyNode);
      else forgetWords(state, JSON.stringify(node));
      return;
    }
  }
}

/** Makes an object present unless it is there already (IF NOT EXISTS, or the statement fails). */
function createObject(state: SchemaState, key: string, extra: { kind?: string; labels?: string[]; table?: string }, origin: Origin): void {
  if (state.presence(key) === 'present') return;
  state.set(key, { presence: 'present', run: origin.run, by: origin.by, ...extra });
}

function createTable(state: SchemaState, create: Record<string, unknown>, origin: Origin, kind = 'table'): void {
  const relation = create.relation as RangeVar | undefined;
  const name = tableKey(relation);
  if (!name || relation?.relpersistence === 't') return; // a temporary table dies with the session
  const presence = state.presence(`relation:${name}`);
  if (presence === 'present') return; // IF NOT EXISTS skips it, or it fails
  const shape = emptyShape(origin.by, origin.run);
  if (presence === 'unknown' && create.if_not_exists) {
    // Either it was there (and kept whatever it had) or it is made now: only its existence is sure.
    shape.opaque = true;
    shape.run = 1;
    return state.putTable(name, shape, kind);
  }
  // Inherited or copied definitions bring columns and keys this model cannot see.
  if ((create.inhRelations as unknown[] | undefined)?.length || create.partbound || create.ofTypename) shape.opaque = true;
  state.putTable(name, shape, kind);
  for (const element of (create.tableElts as unknown[] | undefined) ?? []) {
    const column = as<ColumnBody>(element, 'ColumnDef');
    if (column) addColumn(state, name, shape, column, origin);
    const constraint = as<ConstraintBody>(element, 'Constraint');
    if (constraint) addConstraint(state, name, shape, constraint, origin);
    if (as(element, 'TableLikeClause')) shape.opaque = true;
  }
}

function createDerived(state: SchemaState, relation: RangeVar | undefined, kind: string, ifNotExists: boolean, origin: Origin): void {
  const name = tableKey(relation);
  if (!name || relation?.relpersistence === 't' || state.presence(`relation:${name}`) === 'present') return;
  if (kind === 'matview') return createObject(state, `relation:${name}`, { kind }, origin);
  const shape = emptyShape(origin.by, ifNotExists && state.presence(`relation:${name}`) === 'unknown' ? 1 : origin.run);
  shape.opaque = true;
  shape.derived = true;
  state.putTable(name, shape);
}

function createIndex(state: SchemaState, index: Record<string, unknown>, origin: Origin): void {
  const relation = index.relation as RangeVar | undefined;
  const table = tableKey(relation);
  if (!table || state.gone(`relation:${table}`)) return;
  const columns = indexColumns(index.indexParams as unknown[] | undefined);
  const name = (index.idxname as string | undefined) ?? `${relation!.relname}_${(columns ?? ['expr']).join('_')}_idx`;
  const key = relationKey(relation!.schemaname, name);
  if (state.presence(key) === 'present') return; // IF NOT EXISTS, or it fails (an unnamed one gets another name)
  state.set(key, { presence: 'present', run: origin.run, by: origin.by, kind: 'index', table });
  const shape = state.table(table);
  if (!shape || !index.unique || shape.keys.some((k) => k.name === name)) return;
  state.writable(table)!.keys.push({ name, columns, partial: index.whereClause !== undefined, by: origin.by });
}

function createFunction(state: SchemaState, body: Record<string, unknown>, origin: Origin): void {
  const key = keyOfNames('function', body.funcname);
  if (!key) return;
  const signature = signatureOf(body.parameters as unknown[] | undefined);
  const entry = state.entry(key);
  if (entry?.presence === 'present') {
    if (entry.signatures === null || entry.signatures?.includes(signature)) return; // replaced, or it fails
    state.set(key, { ...entry, signatures: [...(entry.signatures ?? []), signature] });
    return;
  }
  state.set(key, { presence: 'present', run: origin.run, by: origin.by, signatures: entry?.presence === 'unknown' ? null : [signature] });
}

function alterEnum(state: SchemaState, body: Record<string, unknown>, origin: Origin): void {
  const key = keyOfNames('type', body.typeName);
  const entry = key ? state.entry(key) : undefined;
  if (!key || entry?.presence !== 'present' || !entry.labels) return;
  const { newVal, oldVal } = body as { newVal?: string; oldVal?: string };
  if (newVal === undefined || entry.labels.includes(newVal)) return;
  const labels = oldVal !== undefined ? entry.labels.map((l) => (l === oldVal ? newVal : l)) : [...entry.labels, newVal];
  if (oldVal !== undefined && !entry.labels.includes(oldVal)) return;
  state.set(key, { ...entry, labels, by: origin.by });
}

/** Relations a query reads (CTE names excluded): what a view depends on. */
function readsFrom(query: unknown): string[] {
  const ctes = new Set<string>();
  walk(query, (type, body) => {
    if (type === 'CommonTableExpr' && typeof body.ctename === 'string') ctes.add(body.ctename);
  });
  const uses = new Set<string>();
  walk(query, (type, body) => {
    if (type !== 'RangeVar') return;
    const range = body as RangeVar;
    if (!range.schemaname && ctes.has(range.relname ?? '')) return;
    const name = tableKey(range);
    if (name) uses.add(`relation:${name}`);
  });
  return [...uses];
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
