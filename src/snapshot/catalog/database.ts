import type { KindQueries } from './query.js';

/**
 * The current database, as `database:current`: its name and OID differ for every scratch copy of
 * a state, so neither is read. Owner and ACL are left out too: CREATE DATABASE gives every copy
 * the creating role and a NULL ACL, whatever the template had. `settings` are the
 * `ALTER DATABASE … SET` and `ALTER ROLE … IN DATABASE … SET` rows (pg_db_role_setting), each
 * `name=value`, prefixed with `role: ` for one role's; the server session copies them onto a
 * template's copies, which CREATE DATABASE would not.
 */
export const databaseQueries: KindQueries = (v) => [
  {
    kind: 'database',
    takesTrackers: false,
    sql: `
SELECT 'database:current' AS path,
  pg_catalog.pg_encoding_to_char(d.encoding)::text AS encoding,
  pg_catalog.lower(d.datcollate) AS "collate",
  pg_catalog.lower(d.datctype) AS ctype${v.databaseLocaleAttributes('d')},
  ARRAY(SELECT x FROM (
      SELECT CASE WHEN s.setrole = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(s.setrole)::text || ': ' END || c AS x
      FROM pg_catalog.pg_db_role_setting s, pg_catalog.unnest(s.setconfig) AS c
      WHERE s.setdatabase = d.oid) y
    ORDER BY x COLLATE "C") AS settings
FROM pg_catalog.pg_database d
WHERE d.datname = pg_catalog.current_database()`,
  },
];
