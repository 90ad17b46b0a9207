import type { RangeVar } from 'libpg-query';
import type { Migration } from '../../migrations/types.js';
import { as, lastName, str } from '../ast.js';
import type { LintStatement, Problem, Rule } from '../types.js';

/**
 * down-leaves-behind — a migration whose down section does not drop an object its up creates.
 *
 * After a rollback the object is still there: the state is not the one the earlier migrations
 * reach, and the up fails when it runs again (`42710` for a type, `42P07` for a relation,
 * `42P06` for a schema). Read by name from the parse of both sections, for the tools that have
 * down migrations: a table, view, materialized view, sequence, type or domain, schema, extension
 * or index the up creates must be dropped by the down, or go with what the down drops (a table's
 * indexes with it, anything in a dropped schema). An object the up itself drops again is not its
 * to undo. Check `down` confirms it on a server.
 */
export const downLeavesBehind: Rule = {
  id: 'down-leaves-behind',
  category: 're-run',
  summary: 'a down section that does not drop an object its up creates (by name)',
  squawk: 'none',
  atlas: 'none',
  migration(migration, context) {
    const down = migration.down;
    if (!context.model.down || !down || down.invalid !== undefined || down.statements.length === 0) return [];
    const dropped = new Set<string>();
    for (const statement of down.statements) for (const key of droppedBy(context.ast(statement))) dropped.add(key);
    const ups = context.statementsOf(migration);
    // ADD CONSTRAINT … USING INDEX renames the index to the constraint's name, and dropping that
    // constraint drops the index: the index is then known by the constraint's name.
    const takenOver = new Map<string, string>();
    for (const target of ups) for (const [index, constraint] of indexesTakenOver(context.ast(target.statement))) takenOver.set(index, constraint);
    const problems: Problem[] = [];
    ups.forEach((target, i) => {
      const created = createdBy(context.ast(target.statement));
      if (!created) return;
      const constraint = created.kind === 'index' ? takenOver.get(created.name) : undefined;
      const made = constraint ? { ...created, key: `index:${constraint}` } : created;
      // Dropped again by the up itself: nothing of it is left for the down to undo.
      if (ups.slice(i + 1).some((later) => droppedBy(context.ast(later.statement)).includes(made.key))) return;
      if (covered(made, dropped)) return;
      problems.push(problemOf(target, made, migration));
    });
    return problems;
  },
};

interface Made {
  /** `kind:name`, the name unqualified and as PostgreSQL folds it. */
  key: string;
  kind: string;
  name: string;
  schema?: string;
  /** For an index: the key of its table, which takes it along when dropped. */
  table?: string;
  sqlstate: string;
}

const DROP_KINDS: Record<string, string> = {
  OBJECT_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'view',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_TYPE: 'type',
  OBJECT_DOMAIN: 'type',
  OBJECT_SCHEMA: 'schema',
  OBJECT_EXTENSION: 'extension',
  OBJECT_INDEX: 'index',
};

function relation(kind: string, range: RangeVar | undefined, sqlstate: string): Made | undefined {
  if (!range?.relname) return undefined;
  return { key: `${kind}:${range.relname}`, kind, name: range.relname, ...(range.schemaname ? { schema: range.schemaname } : {}), sqlstate };
}

function typeName(names: unknown): Made | undefined {
  const name = lastName(names);
  if (!name) return undefined;
  const schema = Array.isArray(names) && names.length > 1 ? str(names[0]) : undefined;
  return { key: `type:${name}`, kind: 'type', name, ...(schema ? { schema } : {}), sqlstate: '42710' };
}

/** What one up statement creates, if it is one of the kinds this rule follows. */
export function createdBy(node: unknown): Made | undefined {
  const create = as<{ relation?: RangeVar; if_not_exists?: boolean }>(node, 'CreateStmt');
  if (create) return relation('table', create.relation, '42P07');
  const view = as<{ view?: RangeVar }>(node, 'ViewStmt');
  if (view) return relation('view', view.view, '42P07');
  const tableAs = as<{ into?: { rel?: RangeVar }; objtype?: string }>(node, 'CreateTableAsStmt');
  if (tableAs) return relation(tableAs.objtype === 'OBJECT_MATVIEW' ? 'view' : 'table', tableAs.into?.rel, '42P07');
  const sequence = as<{ sequence?: RangeVar }>(node, 'CreateSeqStmt');
  if (sequence) return relation('sequence', sequence.sequence, '42P07');
  const enumType = as<{ typeName?: unknown[] }>(node, 'CreateEnumStmt');
  if (enumType) return typeName(enumType.typeName);
  const composite = as<{ typevar?: RangeVar }>(node, 'CompositeTypeStmt');
  if (composite) return relation('type', composite.typevar, '42710');
  const domain = as<{ domainname?: unknown[] }>(node, 'CreateDomainStmt');
  if (domain) return typeName(domain.domainname);
  const schema = as<{ schemaname?: string }>(node, 'CreateSchemaStmt');
  if (schema?.schemaname) return { key: `schema:${schema.schemaname}`, kind: 'schema', name: schema.schemaname, sqlstate: '42P06' };
  const extension = as<{ extname?: string }>(node, 'CreateExtensionStmt');
  if (extension?.extname) return { key: `extension:${extension.extname}`, kind: 'extension', name: extension.extname, sqlstate: '42710' };
  const index = as<{ idxname?: string; relation?: RangeVar }>(node, 'IndexStmt');
  if (index?.idxname) {
    return {
      key: `index:${index.idxname}`,
      kind: 'index',
      name: index.idxname,
      ...(index.relation?.schemaname ? { schema: index.relation.schemaname } : {}),
      ...(index.relation?.relname ? { table: `table:${index.relation.relname}` } : {}),
      sqlstate: '42P07',
    };
  }
  return undefined;
}

interface AlterTableCmd {
  subtype?: string;
  name?: string;
  def?: unknown;
}

function alterCommands(node: unknown): AlterTableCmd[] {
  const alter = as<{ cmds?: unknown[] }>(node, 'AlterTableStmt');
  return (alter?.cmds ?? []).flatMap((cmd) => {
    const body = as<AlterTableCmd>(cmd, 'AlterTableCmd');
    return body ? [body] : [];
  });
}

/** `[index, constraint]` for each ADD CONSTRAINT … USING INDEX of a statement. */
function indexesTakenOver(node: unknown): [string, string][] {
  return alterCommands(node).flatMap((cmd) => {
    const constraint = cmd.subtype === 'AT_AddConstraint' ? as<{ conname?: string; indexname?: string }>(cmd.def, 'Constraint') : undefined;
    return constraint?.conname && constraint.indexname ? [[constraint.indexname, constraint.conname] as [string, string]] : [];
  });
}

/** The `kind:name` keys a statement drops (DROP of the kinds this rule follows; a dropped constraint takes its index). */
export function droppedBy(node: unknown): string[] {
  const constraints = alterCommands(node).flatMap((cmd) => (cmd.subtype === 'AT_DropConstraint' && cmd.name ? [`index:${cmd.name}`] : []));
  if (constraints.length > 0) return constraints;
  const drop = as<{ objects?: unknown[]; removeType?: string }>(node, 'DropStmt');
  const kind = drop?.removeType ? DROP_KINDS[drop.removeType] : undefined;
  if (!drop || !kind) return [];
  return (drop.objects ?? []).flatMap((object) => {
    const name = objectName(object);
    return name ? [`${kind}:${name}`] : [];
  });
}

/** The object's own name in a DROP's object list: a name list, a TypeName, or a plain String. */
function objectName(object: unknown): string | undefined {
  const plain = str(object);
  if (plain) return plain;
  const list = as<{ items?: unknown[] }>(object, 'List');
  if (list) return lastName(list.items);
  const type = as<{ names?: unknown[] }>(object, 'TypeName');
  if (type) return lastName(type.names);
  return undefined;
}

function covered(made: Made, dropped: ReadonlySet<string>): boolean {
  if (dropped.has(made.key)) return true;
  // A table's indexes go with it, and a materialized view is also dropped as a view.
  if (made.table && dropped.has(made.table)) return true;
  // Whatever lives in a schema the down drops goes with it (CASCADE, or the down emptied it first).
  return made.schema !== undefined && dropped.has(`schema:${made.schema}`);
}

const WORDS: Record<string, string> = { table: 'table', view: 'view', sequence: 'sequence', type: 'type', schema: 'schema', extension: 'extension', index: 'index' };

function problemOf(target: LintStatement, made: Made, migration: Migration): Problem {
  const what = `${WORDS[made.kind]} ${made.name}`;
  const command = made.kind === 'index' ? 'DROP INDEX' : made.kind === 'view' ? 'DROP VIEW (or MATERIALIZED VIEW)' : `DROP ${made.kind.toUpperCase()}`;
  return {
    at: target,
    message: `the down section of ${migration.name} does not drop ${what}, which this statement creates: after a rollback it is left behind, so the state is not the one the earlier migrations reach, and this statement fails with ${made.sqlstate} (already exists) when the migration is applied again`,
    hint: `add ${command} ${made.name} to the down section (after what depends on it)`,
    sqlstate: made.sqlstate,
    // Check down shows the leftover at the down section's first statement (the state after it).
    ...(migration.down?.statements[0] ? { effect: { file: migration.down.file, line: migration.down.statements[0].line } } : {}),
  };
}
