import { parseSync, type Node, type RangeVar } from 'libpg-query';

/**
 * Small readers over libpg-query parse trees. The trees are plain JSON: a node is an object with
 * one key, its type (`{ "AlterTableStmt": { … } }`); lists are arrays of nodes.
 */

/** The parse tree of one statement's text, or undefined when it does not parse alone. */
export function parseStatement(sql: string): Node | undefined {
  try {
    return parseSync(sql).stmts?.[0]?.stmt;
  } catch {
    return undefined; // e.g. a piece a naive split cut out of a $$ body: rules skip it
  }
}

/** The body of a node of type `type`, if `node` is one. */
export function as<T = Record<string, unknown>>(node: unknown, type: string): T | undefined {
  if (node && typeof node === 'object' && type in node) return (node as Record<string, T>)[type];
  return undefined;
}

/** Calls `visit` with every node object in the tree, depth first (the body, keyed by its type). */
export function walk(tree: unknown, visit: (type: string, body: Record<string, unknown>) => void): void {
  if (Array.isArray(tree)) {
    for (const item of tree) walk(item, visit);
    return;
  }
  if (!tree || typeof tree !== 'object') return;
  for (const [key, value] of Object.entries(tree)) {
    // Node types start with a capital letter; fields (relation, whereClause, …) do not.
    if (/^[A-Z]/.test(key) && value && typeof value === 'object' && !Array.isArray(value)) {
      visit(key, value as Record<string, unknown>);
    }
    walk(value, visit);
  }
}

/** The `sval` of a `String` node. */
export function str(node: unknown): string | undefined {
  return as<{ sval?: string }>(node, 'String')?.sval;
}

/** A dotted name from a list of `String` nodes (`['public', 't']` → `public.t`). */
export function dotted(list: unknown): string {
  return Array.isArray(list) ? list.map((n) => str(n) ?? '?').join('.') : '';
}

/** The last part of a dotted name list: the object's own name. */
export function lastName(list: unknown): string | undefined {
  return Array.isArray(list) ? str(list[list.length - 1]) : undefined;
}

/** A table's key in the schema model: `schema.name`, `public` when unqualified. */
export function tableKey(range: RangeVar | undefined): string | undefined {
  if (!range?.relname) return undefined;
  return `${range.schemaname ?? 'public'}.${range.relname}`;
}

/** A name list (`['s', 't']` or `['t']`) as a table key. */
export function tableKeyOf(names: string[]): string | undefined {
  if (names.length === 0) return undefined;
  const name = names[names.length - 1]!;
  return `${names.length > 1 ? names[names.length - 2]! : 'public'}.${name}`;
}

/** Every string constant in the tree (`'cancelled'`, also inside casts). */
export function stringConstants(tree: unknown): Set<string> {
  const found = new Set<string>();
  walk(tree, (type, body) => {
    if (type !== 'A_Const') return;
    const value = as<{ sval?: string }>(body, 'sval')?.sval;
    if (value !== undefined) found.add(value);
  });
  return found;
}

/** The column names referenced anywhere in the tree (the last field of each ColumnRef). */
export function columnRefs(tree: unknown): { qualifier?: string; name: string }[] {
  const refs: { qualifier?: string; name: string }[] = [];
  walk(tree, (type, body) => {
    if (type !== 'ColumnRef') return;
    const fields = (body.fields as unknown[] | undefined) ?? [];
    const name = str(fields[fields.length - 1]);
    if (name === undefined) return; // `t.*`
    const qualifier = fields.length > 1 ? str(fields[fields.length - 2]) : undefined;
    refs.push(qualifier !== undefined ? { qualifier, name } : { name });
  });
  return refs;
}

/** Names of the functions called anywhere in the tree (unqualified, lower case). */
export function functionCalls(tree: unknown): string[] {
  const names: string[] = [];
  walk(tree, (type, body) => {
    if (type === 'FuncCall') {
      const name = lastName(body.funcname);
      if (name) names.push(name.toLowerCase());
    } else if (type === 'SQLValueFunction') {
      names.push(String(body.op ?? '').toLowerCase()); // CURRENT_TIMESTAMP and friends
    }
  });
  return names;
}

/** Functions whose value differs from one call (or transaction) to the next. */
export const VOLATILE_FUNCTIONS = new Set([
  'now',
  'random',
  'clock_timestamp',
  'statement_timestamp',
  'transaction_timestamp',
  'timeofday',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'nextval',
  'txid_current',
  'pg_current_xact_id',
  'svfop_current_timestamp',
  'svfop_current_timestamp_n',
  'svfop_localtimestamp',
  'svfop_localtimestamp_n',
  'svfop_current_time',
  'svfop_current_time_n',
  'svfop_localtime',
  'svfop_localtime_n',
  'svfop_current_date',
]);

/** Whether an expression calls a volatile function. */
export function isVolatile(tree: unknown): boolean {
  return functionCalls(tree).some((name) => VOLATILE_FUNCTIONS.has(name));
}

/** The value of a `DefElem` option named `name` in a list of options, if present. */
export function option(options: unknown, name: string): { arg?: unknown } | undefined {
  if (!Array.isArray(options)) return undefined;
  for (const item of options) {
    const def = as<{ defname?: string; arg?: unknown }>(item, 'DefElem');
    if (def?.defname === name) return def;
  }
  return undefined;
}
