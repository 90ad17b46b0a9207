import type { KindQueries } from './query.js';
import { comment, notTracker, persistence, privileges, relationName, sortedArray, userRelation } from './sql.js';

/** Ordinary, partitioned and foreign tables. */
export const tableQueries: KindQueries = () => [
  {
    kind: 'table',
    takesTrackers: true,
    sql: `
SELECT 'table:' || n.nspname || '.' || c.relname AS path,
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' ELSE 'foreign table' END AS "type",
  ${persistence('c')} AS persistence,
  (SELECT am.amname::text FROM pg_catalog.pg_am am WHERE am.oid = c.relam) AS "accessMethod",
  ${sortedArray('c.reloptions')} AS options,
  (SELECT ts.spcname::text FROM pg_catalog.pg_tablespace ts WHERE ts.oid = c.reltablespace) AS tablespace,
  c.relrowsecurity AS "rowSecurity",
  c.relforcerowsecurity AS "forceRowSecurity",
  CASE c.relreplident WHEN 'd' THEN 'default' WHEN 'n' THEN 'nothing' WHEN 'f' THEN 'full' WHEN 'i' THEN 'index' END AS "replicaIdentity",
  -- An index is the replica identity only under REPLICA IDENTITY USING INDEX.
  CASE WHEN c.relreplident = 'i' THEN (SELECT ${relationName('x.indexrelid')} FROM pg_catalog.pg_index x
   WHERE x.indrelid = c.oid AND x.indisreplident) END AS "replicaIdentityIndex",
  -- Column order lives here, once, so that a diff can ignore it.
  ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum) AS columns,
  ARRAY(SELECT pn.nspname || '.' || p.relname FROM pg_catalog.pg_inherits i
        JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
        JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
        WHERE i.inhrelid = c.oid ORDER BY i.inhseqno) AS parents,
  CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS "partitionKey",
  pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS "partitionBound",
  CASE WHEN c.reloftype <> 0 THEN pg_catalog.format_type(c.reloftype, NULL) END AS "ofType",
  pg_catalog.pg_get_userbyid(c.relowner)::text AS owner,
  ${privileges('c.relacl', 'r', 'c.relowner')} AS privileges,
  ${comment('c.oid', 'pg_class')} AS comment
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'f') AND ${userRelation('c', 'n')} AND ${notTracker('n', 'c')}`,
  },
];
