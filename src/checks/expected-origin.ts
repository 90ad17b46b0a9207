import { parseStatement, str } from '../lint/ast.js';
import type { MigrationSet, Statement } from '../migrations/types.js';

/*
 * Where an object of the expected schema comes from in the set: the statement a maintainer edits
 * when the schema drifted from its files. Read from the set's parse, without a server; an object
 * no statement names (a role, the database, a name the server chose) has no origin here, and its
 * finding stays on its expected-schema file.
 */

/** A name as a statement gives it: `schema` absent when unqualified (the search path decides). */
interface Name {
  schema?: string;
  name: string;
}

/** What a DDL statement makes, changes or drops: top-level objects, and the relation its parts belong to. */
interface Defines {
  names: Name[];
  relation?: Name;
  /** Names of parts the statement makes or changes: columns, constraints, indexes, triggers, policies, rules. */
  parts: Set<string>;
}

/** The statement that made or last changed an object, and whether only its table could be found. */
export interface Origin {
  statement: Statement;
  /** `object`: a statement names the object itself; `table`: the object is not named, the statement makes its table. */
  by: 'object' | 'table';
}

type Tree = Record<string, unknown>;

/** Fields whose string values name a part of a relation (ColumnDef, Constraint, AlterTableCmd, IndexStmt, …). */
const PART_FIELDS = new Set(['colname', 'conname', 'idxname', 'trigname', 'policy_name', 'rulename', 'name', 'subname', 'newname']);

const RELATION_FIELDS = ['relation', 'view', 'sequence', 'typevar', 'table'];

const NAME_LISTS: Record<string, string> = {
  CreateFunctionStmt: 'funcname',
  CreateEnumStmt: 'typeName',
  AlterEnumStmt: 'typeName',
  CreateDomainStmt: 'domainname',
  CreateRangeStmt: 'typeName',
  DefineStmt: 'defnames',
};

function rangeName(node: unknown): Name | undefined {
  const range = node as { relname?: string; schemaname?: string } | undefined;
  if (!range?.relname) return undefined;
  return { ...(range.schemaname ? { schema: range.schemaname } : {}), name: range.relname };
}

function listName(list: unknown): Name | undefined {
  if (!Array.isArray(list)) return undefined;
  const parts = list.map(str).filter((s): s is string => s !== undefined);
  if (parts.length === 0) return undefined;
  return { ...(parts.length > 1 ? { schema: parts[parts.length - 2]! } : {}), name: parts[parts.length - 1]! };
}

function partsOf(tree: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(tree)) for (const item of tree) partsOf(item, into);
  else if (tree && typeof tree === 'object') {
    for (const [key, value] of Object.entries(tree)) {
      if (typeof value === 'string' && PART_FIELDS.has(key)) into.add(value);
      // An index's (or an exclusion constraint's) elements name the columns it reads, which it does not change.
      else if (key !== 'IndexElem') partsOf(value, into);
    }
  }
  return into;
}

/** What one parsed statement defines; undefined for statements that define nothing (DML, transactions, SET). */
export function definesOf(node: unknown): Defines | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const [kind, body] = Object.entries(node)[0] as [string, Tree];
  if (!/^(Create|Alter|Drop|Rename|Index|View|Comment|Grant|Rule|Define|CompositeType)/.test(kind) || kind === 'CreateRoleStmt') return undefined;
  const names: Name[] = [];
  let relation: Name | undefined;
  const base = kind === 'CreateForeignTableStmt' ? ((body.base as { CreateStmt?: Tree } | undefined)?.CreateStmt ?? {}) : body;
  for (const field of RELATION_FIELDS) {
    const name = rangeName(base[field]);
    if (name) relation ??= name;
  }
  if (kind === 'CreateTableAsStmt') relation = rangeName((body.into as { rel?: unknown } | undefined)?.rel);
  const parts = partsOf(body, new Set());
  // A statement on a relation defines the relation itself, unless it makes a part of it (an index, a trigger, a policy).
  if (relation && !['IndexStmt', 'CreateTrigStmt', 'CreatePolicyStmt', 'AlterPolicyStmt', 'RuleStmt'].includes(kind)) names.push(relation);
  if (kind === 'IndexStmt' && typeof body.idxname === 'string') names.push({ ...(relation?.schema ? { schema: relation.schema } : {}), name: body.idxname });
  if (kind === 'RenameStmt' && typeof body.newname === 'string') names.push({ ...(relation?.schema ? { schema: relation.schema } : {}), name: body.newname });
  const list = NAME_LISTS[kind];
  if (list) pushName(names, listName(body[list]));
  if (kind === 'CreateSchemaStmt' && typeof body.schemaname === 'string') names.push({ name: body.schemaname });
  if (kind === 'CreateExtensionStmt' && typeof body.extname === 'string') names.push({ name: body.extname });
  if (kind === 'DropStmt' || kind === 'GrantStmt' || kind === 'CommentStmt' || kind === 'AlterOwnerStmt') {
    for (const object of ([] as unknown[]).concat(body.objects ?? body.object ?? [])) pushName(names, objectName(object));
  }
  return { names, ...(relation ? { relation } : {}), parts };
}

function pushName(names: Name[], name: Name | undefined): void {
  if (name) names.push(name);
}

/** The name of one object of DROP, GRANT or COMMENT: a name list, a relation, a function with its arguments, a type. */
function objectName(object: unknown): Name | undefined {
  if (!object || typeof object !== 'object') return undefined;
  const [type, body] = Object.entries(object)[0] as [string, Tree];
  if (type === 'List') return listName(body.items);
  if (type === 'RangeVar') return rangeName(body);
  if (type === 'ObjectWithArgs') return listName(body.objname);
  if (type === 'TypeName') return listName(body.names);
  if (type === 'String') return { name: String(body.sval) };
  return undefined;
}

function same(a: Name, qualified: string): boolean {
  const dot = qualified.indexOf('.');
  const schema = dot >= 0 ? qualified.slice(0, dot) : undefined;
  const name = dot >= 0 ? qualified.slice(dot + 1) : qualified;
  return a.name === name && (a.schema === undefined || schema === undefined || a.schema === schema);
}

/** `function:public.f(x integer)` → `public.f`; `column:public.t.c` with table `public.t` → `c`. */
function ownName(kind: string, name: string, table: string | undefined): { qualified: string; part?: string } {
  const bare = kind === 'function' || kind === 'procedure' || kind === 'aggregate' ? name.replace(/\(.*$/, '') : name;
  if (!table) return { qualified: bare };
  if (bare.startsWith(`${table}.`)) return { qualified: bare, part: bare.slice(table.length + 1) };
  const dot = bare.indexOf('.');
  return { qualified: bare, part: dot >= 0 ? bare.slice(dot + 1) : bare };
}

/** A statement of the set with what it defines. */
export interface Defined {
  statement: Statement;
  defines: Defines;
}

/** What each DDL statement of the set defines, in plan order: parsed once for all the differences of a run. */
export function definitions(set: MigrationSet): Defined[] {
  const out: Defined[] = [];
  for (const migration of set.migrations) {
    for (const statement of migration.up.statements) {
      const defines = definesOf(parseStatement(statement.sql));
      if (defines) out.push({ statement, defines });
    }
  }
  return out;
}

/**
 * The origin of the object at `path` (`<kind>:<qualified name>`), whose attributes are `object`
 * (either side of the difference). The last statement in plan order that names it wins: the last
 * change decides what the object is now. A part of a table (column, constraint, index, trigger,
 * policy) that no statement names, e.g. a constraint the server named, is placed on the
 * statement that makes its table.
 */
export function originOf(set: MigrationSet | readonly Defined[], path: string, object: unknown): Origin | undefined {
  const defined = 'migrations' in set ? definitions(set) : set;
  const colon = path.indexOf(':');
  const kind = path.slice(0, colon);
  if (['database', 'role', 'default-privileges', 'data'].includes(kind)) return undefined;
  const table = typeof (object as { table?: unknown } | null)?.table === 'string' && kind !== 'table' ? ((object as { table: string }).table || undefined) : undefined;
  const own = ownName(kind, path.slice(colon + 1), table);
  let named: Statement | undefined;
  let madeTable: Statement | undefined;
  for (const { statement, defines } of defined) {
    if (table) {
      const onTable = defines.relation !== undefined && same(defines.relation, table);
      if (onTable && own.part !== undefined && defines.parts.has(own.part)) named = statement;
      else if (kind === 'index' && defines.names.some((n) => same(n, own.qualified))) named = statement;
      if (onTable && /^(CreateStmt|CreateTableAsStmt|CreateForeignTableStmt)$/.test(statement.kind)) madeTable = statement;
    } else if (defines.names.some((n) => same(n, own.qualified))) {
      named = statement;
    }
  }
  if (named) return { statement: named, by: 'object' };
  return madeTable ? { statement: madeTable, by: 'table' } : undefined;
}
