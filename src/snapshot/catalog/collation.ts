import type { KindQueries } from './query.js';
import { comment, userNamespace } from './sql.js';

/**
 * Collations made by the set. Never their version (collversion): it is the operating system's
 * or ICU's, not the migration's, and differs between machines.
 */
export const collationQueries: KindQueries = (v) => [
  {
    kind: 'collation',
    sources: ['pg_collation'],
    takesTrackers: false,
    sql: `
SELECT 'collation:' || n.nspname || '.' || co.collname AS path,
  CASE co.collprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' WHEN 'd' THEN 'default'
    ELSE co.collprovider::text END AS provider,
  pg_catalog.lower(co.collcollate) AS "collate",
  pg_catalog.lower(co.collctype) AS ctype${v.collationAttributes('co')},
  co.collisdeterministic AS deterministic,
  pg_catalog.pg_get_userbyid(co.collowner)::text AS owner,
  ${comment('co.oid', 'pg_collation')} AS comment
FROM pg_catalog.pg_collation co
JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
WHERE ${userNamespace('n')} AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
  WHERE d.classid = 'pg_catalog.pg_collation'::pg_catalog.regclass AND d.objid = co.oid AND d.deptype = 'e')`,
  },
];
