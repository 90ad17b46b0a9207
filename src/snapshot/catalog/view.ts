import type { KindQueries } from './query.js';
import { comment, privileges, sortedArray, userRelation } from './sql.js';

const viewQuery = (kind: 'view' | 'materialized-view', relkind: 'v' | 'm', extra: string) => ({
  kind,
  takesTrackers: false,
  sql: `
SELECT '${kind}:' || n.nspname || '.' || c.relname AS path,
  pg_catalog.pg_get_viewdef(c.oid, true) AS definition,
  -- security_invoker, security_barrier, check_option: sorted, as they are a set.
  ${sortedArray('c.reloptions')} AS options${extra},
  pg_catalog.pg_get_userbyid(c.relowner)::text AS owner,
  ${privileges('c.relacl', 'r', 'c.relowner')} AS privileges,
  ${comment('c.oid', 'pg_class')} AS comment
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = '${relkind}' AND ${userRelation('c', 'n')}`,
});

/** Views and materialized views; a materialized view's indexes are `index:` objects. */
export const viewQueries: KindQueries = () => [
  viewQuery('view', 'v', ''),
  // WITH NO DATA leaves a materialized view that cannot be read until refreshed.
  viewQuery('materialized-view', 'm', `,
  c.relispopulated AS populated,
  (SELECT am.amname::text FROM pg_catalog.pg_am am WHERE am.oid = c.relam) AS "accessMethod"`),
];
