import { parseSync, scanSync, type Node } from 'libpg-query';
import { TextIndex } from '../../migrations/text-index.js';
import { ident } from '../../postgres/server.js';

/*
 * Pure reading and rewriting of the statements that name databases and roles, which belong to
 * the whole server: the run maps the set's names onto objects of the case's own.
 */

export function parseOne(sql: string): Node | undefined {
  try {
    return parseSync(sql).stmts?.[0]?.stmt;
  } catch {
    return undefined;
  }
}

interface Token {
  upper: string;
  text: string;
  start: number;
  end: number;
}

function tokensOf(sql: string): Token[] {
  const index = new TextIndex(sql);
  return (scanSync(sql).tokens ?? [])
    .filter((t) => t.tokenName !== 'SQL_COMMENT' && t.tokenName !== 'C_COMMENT')
    .map((t) => {
      const start = index.fromByte(t.start);
      const end = index.fromByte(t.end);
      const text = sql.slice(start, end);
      return { upper: text.toUpperCase(), text, start, end };
    });
}

/** An identifier token as PostgreSQL reads it: quoted as written, unquoted folded to lower case. */
function identifier(token: Token): string {
  return token.text.startsWith('"') ? token.text.slice(1, -1).replaceAll('""', '"') : token.text.toLowerCase();
}

/** Which tokens of a statement about databases name a database: those after DATABASE. */
function databaseNameTokens(kind: string, tokens: Token[]): number[] {
  const d = tokens.findIndex((t) => t.upper === 'DATABASE');
  if (d < 0) return [];
  let i = d + 1;
  switch (kind) {
    case 'DropdbStmt':
      if (tokens[i]?.upper === 'IF' && tokens[i + 1]?.upper === 'EXISTS') i += 2;
      return [i];
    case 'GrantStmt': {
      const names: number[] = [];
      for (; i < tokens.length && tokens[i]!.upper !== 'TO' && tokens[i]!.upper !== 'FROM'; i++) {
        if (tokens[i]!.text !== ',') names.push(i);
      }
      return names;
    }
    case 'RenameStmt': {
      const to = tokens.findIndex((t, k) => k > i && t.upper === 'TO');
      return to > 0 ? [i, to + 1] : [i];
    }
    default:
      return [i];
  }
}

/** The statement with the database names at `positions` replaced through `rename`. */
export function renameDatabases(sql: string, kind: string, rename: (name: string, position: number) => string): string {
  const tokens = tokensOf(sql);
  let out = sql;
  const positions = databaseNameTokens(kind, tokens);
  for (let p = positions.length - 1; p >= 0; p--) {
    const token = tokens[positions[p]!];
    if (!token) continue;
    out = `${out.slice(0, token.start)}${ident(rename(identifier(token), p))}${out.slice(token.end)}`;
  }
  return out;
}

/** The statement kinds that name databases or roles, which belong to the whole server. */
export const CLUSTER_KINDS = new Set([
  'CreatedbStmt',
  'DropdbStmt',
  'AlterDatabaseStmt',
  'AlterDatabaseSetStmt',
  'AlterDatabaseRefreshCollStmt',
  'AlterOwnerStmt',
  'CommentStmt',
  'GrantStmt',
  'RenameStmt',
  'AlterRoleSetStmt',
  'CreateRoleStmt',
  'DropRoleStmt',
]);

export function isDatabaseObject(node: Node): boolean {
  const n = node as unknown as Record<string, Record<string, unknown>>;
  const body = Object.values(n)[0] ?? {};
  return (
    'CreatedbStmt' in node ||
    'DropdbStmt' in node ||
    'AlterDatabaseStmt' in node ||
    'AlterDatabaseSetStmt' in node ||
    'AlterDatabaseRefreshCollStmt' in node ||
    body.objectType === 'OBJECT_DATABASE' ||
    body.objtype === 'OBJECT_DATABASE' ||
    body.renameType === 'OBJECT_DATABASE' ||
    ('AlterRoleSetStmt' in node && typeof body.database === 'string')
  );
}

/** The OWNER a CREATE DATABASE gives, if any. */
export function ownerOf(node: Node): string | undefined {
  if (!('CreatedbStmt' in node)) return undefined;
  for (const o of node.CreatedbStmt.options ?? []) {
    if ('DefElem' in o && o.DefElem.defname === 'owner' && o.DefElem.arg && 'String' in o.DefElem.arg) return o.DefElem.arg.String.sval;
  }
  return undefined;
}

/** The name a CREATE DATABASE creates, if the statement is one. */
export function createdName(node: Node | undefined): string | undefined {
  return node && 'CreatedbStmt' in node ? node.CreatedbStmt.dbname : undefined;
}
