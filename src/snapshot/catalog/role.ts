import type { KindQueries } from './query.js';
import { FIRST_NORMAL_OID, sortedArray } from './sql.js';

/**
 * The roles this database's objects name, found through pg_shdepend (owners, ACL grantees, policy
 * roles, default-privilege roles) and pg_db_role_setting. Roles are shared by every database of
 * the server, so one a migration creates but never uses shows nowhere; and a role's attributes
 * are the same in every state on a server. Roles made by initdb (the bootstrap superuser, the
 * pg_* roles) are named by the objects that use them but not described: their attributes are the
 * server's, not the migration set's; nor the roles only the runner's trackers name. Passwords are
 * never read (pg_roles masks them).
 */
const currentDatabase = `(SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())`;

// The runner's tracker tables (`$1`), the sequences they own and a tracker's own schema: the roles
// they name are the tool's (the role it connects as), not the migration set's.
const trackerObjects = `
SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS classid, c.oid AS objid FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE (n.nspname || '.' || c.relname) = ANY ($1::text[])
UNION ALL
SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, d.objid FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_class c ON c.oid = d.refobjid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
  AND d.deptype IN ('a', 'i') AND (n.nspname || '.' || c.relname) = ANY ($1::text[])
UNION ALL
SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass, n.oid FROM pg_catalog.pg_namespace n
WHERE n.nspname <> 'public'
  AND n.nspname IN (SELECT pg_catalog.split_part(t, '.', 1) FROM pg_catalog.unnest($1::text[]) AS t)`;

/**
 * The roles this database's objects name: pg_shdepend records owners, ACL grantees, policy roles
 * and default-privilege roles; pg_db_role_setting the roles with settings in this database.
 */
const referencedRoles = `
SELECT sd.refobjid AS oid FROM pg_catalog.pg_shdepend sd
WHERE sd.dbid = ${currentDatabase}
  AND sd.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass
  AND (sd.classid, sd.objid) NOT IN (SELECT classid, objid FROM (${trackerObjects}) t)
UNION
SELECT s.setrole FROM pg_catalog.pg_db_role_setting s
WHERE s.setdatabase = ${currentDatabase} AND s.setrole <> 0`;

export const roleQueries: KindQueries = (v) => [
  {
    kind: 'role',
    takesTrackers: true,
    sql: `
SELECT 'role:' || r.rolname AS path,
  r.rolsuper AS superuser,
  r.rolinherit AS inherit,
  r.rolcreaterole AS "createRole",
  r.rolcreatedb AS "createDb",
  r.rolcanlogin AS login,
  r.rolreplication AS replication,
  r.rolbypassrls AS "bypassRls",
  r.rolconnlimit AS "connectionLimit",
  -- In UTC, whatever the session's TimeZone and DateStyle; 'infinity' is not NULL (no expiry) in pg_authid.
  CASE WHEN pg_catalog.isfinite(r.rolvaliduntil)
    THEN pg_catalog.to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    ELSE r.rolvaliduntil::text END AS "validUntil",
  ${sortedArray('r.rolconfig')} AS config,
  -- The roles it is a member of, with the membership's options; the grantor is not read.
  ARRAY(SELECT x FROM (SELECT DISTINCT pg_catalog.pg_get_userbyid(m.roleid)::text
        || coalesce(' (' || NULLIF(${v.membershipOptions('m')}, '') || ')', '') AS x
      FROM pg_catalog.pg_auth_members m WHERE m.member = r.oid) y
    ORDER BY x COLLATE "C") AS "memberOf"
FROM pg_catalog.pg_roles r
WHERE r.oid >= ${FIRST_NORMAL_OID} AND r.oid IN (${referencedRoles})`,
  },
];
