import type { KindQueries } from './query.js';
import { FIRST_NORMAL_OID, sortedArray } from './sql.js';

/**
 * The roles this database's objects name, found through pg_shdepend (owners, ACL grantees, policy
 * roles, default-privilege roles) and pg_db_role_setting. Roles are shared by every database of
 * the server, so one a migration creates but never uses shows nowhere; and a role's attributes
 * are the same in every state on a server. Roles made by initdb (the bootstrap superuser, the
 * pg_* roles) are named by the objects that use them but not described: their attributes are the
 * server's, not the migration set's. Passwords are never read (pg_roles masks them).
 */
export const referencedRoles = `
SELECT sd.refobjid AS oid FROM pg_catalog.pg_shdepend sd
WHERE sd.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
  AND sd.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass
UNION
SELECT s.setrole FROM pg_catalog.pg_db_role_setting s
WHERE s.setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
  AND s.setrole <> 0`;

export const roleQueries: KindQueries = (v) => [
  {
    kind: 'role',
    takesTrackers: false,
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
  pg_catalog.to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "validUntil",
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
