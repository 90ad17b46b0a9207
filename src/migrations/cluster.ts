import { parsePlPgSQLSync, parseSync, type Node } from 'libpg-query';
import type { Statement } from './types.js';

/*
 * Statements that change what every database of a server shares: server settings (ALTER
 * SYSTEM), roles and their memberships, databases, tablespaces, and what is recorded about them
 * (comments, labels, grants). Pure: read from libpg-query's parse, also inside DO blocks and
 * PL/pgSQL functions, where `CREATE ROLE` usually sits behind an existence check.
 */

export type ClusterObject = 'setting' | 'role' | 'database' | 'tablespace';

export interface ClusterChange {
  statement: Statement;
  /** What it changes, e.g. `ALTER SYSTEM`, `CREATE ROLE`, `DROP DATABASE`. */
  what: string;
  object: ClusterObject;
  /** The SQL that makes the change: the statement, or the statement of a DO block's body. */
  sql: string;
  /** 1-based, in the file: the statement's own place, or the inner statement's in a DO block. */
  line: number;
  column: number;
}

const KINDS: Record<string, [string, ClusterObject]> = {
  AlterSystemStmt: ['ALTER SYSTEM', 'setting'],
  CreateRoleStmt: ['CREATE ROLE', 'role'],
  AlterRoleStmt: ['ALTER ROLE', 'role'],
  AlterRoleSetStmt: ['ALTER ROLE … SET', 'role'],
  DropRoleStmt: ['DROP ROLE', 'role'],
  GrantRoleStmt: ['GRANT/REVOKE of a role', 'role'],
  ReassignOwnedStmt: ['REASSIGN OWNED', 'role'],
  DropOwnedStmt: ['DROP OWNED', 'role'],
  CreatedbStmt: ['CREATE DATABASE', 'database'],
  DropdbStmt: ['DROP DATABASE', 'database'],
  AlterDatabaseStmt: ['ALTER DATABASE', 'database'],
  AlterDatabaseSetStmt: ['ALTER DATABASE … SET', 'database'],
  AlterDatabaseRefreshCollStmt: ['ALTER DATABASE … REFRESH COLLATION VERSION', 'database'],
  CreateTableSpaceStmt: ['CREATE TABLESPACE', 'tablespace'],
  DropTableSpaceStmt: ['DROP TABLESPACE', 'tablespace'],
  AlterTableSpaceOptionsStmt: ['ALTER TABLESPACE', 'tablespace'],
};

/** Object types of shared catalogs, as the parser names them in RENAME, OWNER, GRANT, COMMENT, SECURITY LABEL. */
const SHARED_TYPES: Record<string, ClusterObject> = {
  OBJECT_ROLE: 'role',
  OBJECT_DATABASE: 'database',
  OBJECT_TABLESPACE: 'tablespace',
  OBJECT_PARAMETER_ACL: 'setting',
};

const VERBS: Record<string, string> = {
  RenameStmt: 'ALTER … RENAME',
  AlterOwnerStmt: 'ALTER … OWNER TO',
  GrantStmt: 'GRANT/REVOKE',
  CommentStmt: 'COMMENT ON',
  SecLabelStmt: 'SECURITY LABEL ON',
};

/** What one parsed statement changes outside its database, if anything. */
export function clusterKind(node: Node | undefined): [string, ClusterObject] | undefined {
  if (!node) return undefined;
  const [kind, body] = Object.entries(node)[0] as [string, Record<string, unknown>];
  const fixed = KINDS[kind];
  if (fixed) return fixed;
  const verb = VERBS[kind];
  if (!verb) return undefined;
  const type = (body.renameType ?? body.objectType ?? body.objtype) as string | undefined;
  const object = type ? SHARED_TYPES[type] : undefined;
  return object ? [`${verb} ${type!.replace('OBJECT_', '').replace('_ACL', '').replaceAll('_', ' ')}`, object] : undefined;
}

/** A dynamic EXECUTE whose text visibly builds such a statement. */
const DYNAMIC = /'\s*(ALTER\s+SYSTEM|(CREATE|ALTER|DROP)\s+(ROLE|USER|GROUP|DATABASE|TABLESPACE))\b/i;

function parseOne(sql: string): Node | undefined {
  try {
    return parseSync(sql).stmts?.[0]?.stmt;
  } catch {
    return undefined;
  }
}

/** SQL a PL/pgSQL body runs: each embedded statement, and the text of each dynamic EXECUTE. */
function bodyQueries(tree: unknown, out: { sql: string[]; dynamic: string[] }): void {
  if (Array.isArray(tree)) {
    for (const item of tree) bodyQueries(item, out);
    return;
  }
  if (!tree || typeof tree !== 'object') return;
  for (const [key, value] of Object.entries(tree as Record<string, unknown>)) {
    const query = (value as { sqlstmt?: { PLpgSQL_expr?: { query?: string } }; query?: { PLpgSQL_expr?: { query?: string } } } | undefined);
    if (key === 'PLpgSQL_stmt_execsql' && query?.sqlstmt?.PLpgSQL_expr?.query) out.sql.push(query.sqlstmt.PLpgSQL_expr.query);
    if (key === 'PLpgSQL_stmt_dynexecute' && query?.query?.PLpgSQL_expr?.query) out.dynamic.push(query.query.PLpgSQL_expr.query);
    bodyQueries(value, out);
  }
}

function placeIn(statement: Statement, inner: string): { line: number; column: number } {
  const at = statement.sql.indexOf(inner.trim().slice(0, 40));
  if (at < 0) return { line: statement.line, column: statement.column };
  const before = statement.sql.slice(0, at);
  const newlines = before.split('\n').length - 1;
  return newlines === 0 ? { line: statement.line, column: statement.column + at } : { line: statement.line + newlines, column: at - before.lastIndexOf('\n') };
}

/** Every change of a statement to what the server's databases share, the statement's own and its body's. */
export function clusterChangesOf(statement: Statement): ClusterChange[] {
  const node = parseOne(statement.sql);
  const own = clusterKind(node);
  if (own) return [{ statement, what: own[0], object: own[1], sql: statement.sql, line: statement.line, column: statement.column }];
  if (statement.kind !== 'DoStmt' && statement.kind !== 'CreateFunctionStmt') return [];
  let parsed: unknown;
  try {
    parsed = parsePlPgSQLSync(statement.sql);
  } catch {
    return []; // not PL/pgSQL (another language, or a body it cannot read): nothing to say
  }
  const queries = { sql: [] as string[], dynamic: [] as string[] };
  bodyQueries(parsed, queries);
  const changes: ClusterChange[] = [];
  for (const sql of queries.sql) {
    const kind = clusterKind(parseOne(sql));
    if (kind) changes.push({ statement, what: kind[0], object: kind[1], sql: sql.trim(), ...placeIn(statement, sql) });
  }
  for (const text of queries.dynamic) {
    const match = DYNAMIC.exec(text);
    if (match) {
      const what = match[1]!.toUpperCase().replace(/\s+/g, ' ');
      const object: ClusterObject = what === 'ALTER SYSTEM' ? 'setting' : (match[3]!.toLowerCase().replace(/user|group/, 'role') as ClusterObject);
      changes.push({ statement, what: `EXECUTE of ${what}`, object, sql: `EXECUTE ${text.trim()}`, ...placeIn(statement, text) });
    }
  }
  return changes;
}

/** Every cluster-level change of the statements, in order. */
export function clusterChanges(statements: readonly Statement[]): ClusterChange[] {
  return statements.flatMap(clusterChangesOf);
}
