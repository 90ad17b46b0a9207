import type pg from 'pg';
import { ident } from './server.js';

/*
 * Roles belong to the server, not to a database: a role one case's run creates would still be
 * there when the next case starts from a state before its CREATE ROLE, which then fails with
 * 42710 (a false finding, or a fault case that cannot run at all). Dropping it is not possible:
 * the states kept as templates grant to it, and PostgreSQL refuses to drop a role that any
 * database depends on. So each state records the roles its lineage made (by OID, with their name
 * and attributes), and before anything reads or runs on a database the server's roles are made
 * to look like its lineage's: a role of another lineage is renamed out of the way ("parked"),
 * the lineage's own get their names and attributes back. Grants name roles by OID, so renaming
 * keeps every database's grants to them. Memberships and per-role settings are not restored.
 */

/** One role a set's runs made, as a lineage left it. */
export interface RoleState {
  oid: number;
  name: string;
  /** The attributes as `CREATE/ALTER ROLE` options, e.g. `LOGIN NOSUPERUSER CONNECTION LIMIT -1`. */
  options: string;
  /** The stored password hash (SCRAM or MD5), null for none. */
  password: string | null;
}

export type LineageRoles = RoleState[];

/** The name a role of another lineage waits under: unique per OID, and no set would choose it. */
export function parkedName(oid: number): string {
  return `migtest_parked_${oid}`;
}

const READ = `
SELECT r.oid::int8 AS oid, r.rolname AS name, r.rolpassword AS password,
  concat_ws(' ',
    CASE WHEN r.rolsuper THEN 'SUPERUSER' ELSE 'NOSUPERUSER' END,
    CASE WHEN r.rolinherit THEN 'INHERIT' ELSE 'NOINHERIT' END,
    CASE WHEN r.rolcreaterole THEN 'CREATEROLE' ELSE 'NOCREATEROLE' END,
    CASE WHEN r.rolcreatedb THEN 'CREATEDB' ELSE 'NOCREATEDB' END,
    CASE WHEN r.rolcanlogin THEN 'LOGIN' ELSE 'NOLOGIN' END,
    CASE WHEN r.rolreplication THEN 'REPLICATION' ELSE 'NOREPLICATION' END,
    CASE WHEN r.rolbypassrls THEN 'BYPASSRLS' ELSE 'NOBYPASSRLS' END,
    'CONNECTION LIMIT ' || r.rolconnlimit,
    'VALID UNTIL ' || quote_literal(coalesce(r.rolvaliduntil::text, 'infinity'))) AS options
FROM pg_catalog.pg_authid r
WHERE r.oid >= 16384`;

/** Every role made after initdb, by OID (superuser session: pg_authid). */
export async function readRoles(client: pg.Client): Promise<LineageRoles> {
  const { rows } = await client.query<{ oid: string; name: string; password: string | null; options: string }>(`${READ} ORDER BY r.oid`);
  return rows.map((r) => ({ oid: Number(r.oid), name: r.name, options: r.options, password: r.password }));
}

/**
 * The statements that make the server's roles among `managed` (OIDs a set's runs made) look like
 * `wanted`'s: roles not in `wanted` are parked, the others renamed back and given their attributes.
 * A role of `wanted` that no longer exists (another case dropped it, which PostgreSQL allows only
 * when no database names it) is made anew with its name and attributes. Pure.
 */
export function reconcileRoles(current: LineageRoles, wanted: LineageRoles, managed: ReadonlySet<number>): string[] {
  const statements: string[] = [];
  const wantedByOid = new Map(wanted.map((r) => [r.oid, r]));
  const present = current.filter((r) => managed.has(r.oid));
  // First every role moves out of the way (parked), so that no rename back meets a taken name.
  for (const role of present) {
    const want = wantedByOid.get(role.oid);
    if (want?.name === role.name) continue;
    if (role.name !== parkedName(role.oid)) statements.push(`ALTER ROLE ${ident(role.name)} RENAME TO ${ident(parkedName(role.oid))}`);
  }
  for (const role of present) {
    const want = wantedByOid.get(role.oid);
    if (!want) continue;
    if (want.name !== role.name) statements.push(`ALTER ROLE ${ident(parkedName(role.oid))} RENAME TO ${ident(want.name)}`);
    // A rename clears an MD5 password (its salt is the name), so the password is set again after one.
    if (want.options !== role.options) statements.push(`ALTER ROLE ${ident(want.name)} WITH ${want.options}`);
    if (want.password !== role.password || (want.name !== role.name && want.password !== null)) statements.push(passwordStatement(want));
  }
  const presentOids = new Set(present.map((r) => r.oid));
  for (const want of wanted) {
    if (presentOids.has(want.oid)) continue;
    statements.push(`CREATE ROLE ${ident(want.name)} WITH ${want.options}`);
    if (want.password !== null) statements.push(passwordStatement(want));
  }
  return statements;
}

function passwordStatement(role: RoleState): string {
  // A stored hash given as the password is kept as it is (PostgreSQL recognises SCRAM and MD5 hashes).
  return role.password === null
    ? `ALTER ROLE ${ident(role.name)} WITH PASSWORD NULL`
    : `ALTER ROLE ${ident(role.name)} WITH PASSWORD '${role.password.replaceAll("'", "''")}'`;
}

/** The roles of `all` that are among `managed`, as a lineage records them. */
export function lineageOf(all: LineageRoles, managed: ReadonlySet<number>): LineageRoles {
  return all.filter((r) => managed.has(r.oid) && r.name !== parkedName(r.oid));
}

/**
 * Whether a CREATE ROLE failed because the role is there: 42710, or 23505 when another session
 * created it at the same moment (the later one waits on pg_authid's unique index and fails only
 * once the other has committed: either way the role exists).
 */
export function roleTaken(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === '42710' || code === '23505';
}
