import type { KindQueries } from './query.js';
import { comment, notTracker, roleName, userRelation } from './sql.js';

/** Row-level security policies, keyed by table and name. */
export const policyQueries: KindQueries = () => [
  {
    kind: 'policy',
    sources: ['pg_policy'],
    takesTrackers: true,
    sql: `
SELECT 'policy:' || n.nspname || '.' || c.relname || '.' || p.polname AS path,
  n.nspname || '.' || c.relname AS "table",
  CASE p.polcmd WHEN '*' THEN 'ALL' WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
    WHEN 'd' THEN 'DELETE' END AS command,
  p.polpermissive AS permissive,
  ARRAY(SELECT r FROM (SELECT DISTINCT ${roleName('o')} AS r FROM pg_catalog.unnest(p.polroles) AS o) x
    ORDER BY r COLLATE "C") AS roles,
  pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS "using",
  pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS "withCheck",
  ${comment('p.oid', 'pg_policy')} AS comment
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ${userRelation('c', 'n')} AND ${notTracker('n', 'c')}`,
  },
];
