import type { KindQueries } from './query.js';
import { comment, privileges, sortedArray, userRelation } from './sql.js';

const viewQuery = (kind: 'view' | 'materialized-view', relkind: 'v' | 'm', extra: string) => ({
  kind,
  sources: [`pg_class:${relkind}`],
  takesTrackers: false,
  sql: `
SELECT '${kind}:' || n.nspname || '.' || c.relname AS path,
  pg_catalog.pg_get_viewdef(c.oid, true) AS definition,
  -- security_invoker, security_barrier, check_option: sorted, as they are a set.
  ${sortedArray('c.reloptions')} AS options${extra},
  -- Its columns have no objects of their own; what can be said of them, in column order.
  ARRAY(SELECT pg_catalog.quote_ident(a.attname) || ': ' || d.description FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
          AND d.objsubid = a.attnum
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS "columnComments",
  pg_catalog.pg_get_userbyid(c.relowner)::text AS owner,
  ${privileges('c.relacl', 'r', 'c.relowner')} AS privileges,
  ${comment('c.oid', 'pg_class')} AS comment
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = '${relkind}' AND ${userRelation('c', 'n')}`,
});

/** Views and materialized views; a materialized view's indexes are `index:` objects. */
export const viewQueries: KindQueries = () => [
  // ALTER VIEW … ALTER column SET DEFAULT: used by INSERTs through the view. A default names no
  // column: deparsed without the view's (column.ts).
  viewQuery('view', 'v', `,
  ARRAY(SELECT pg_catalog.quote_ident(a.attname) || ' DEFAULT ' || pg_catalog.pg_get_expr(ad.adbin, 0)
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS "columnDefaults"`),
  // WITH NO DATA leaves a materialized view that cannot be read until refreshed.
  viewQuery('materialized-view', 'm', `,
  c.relispopulated AS populated,
  (SELECT am.amname::text FROM pg_catalog.pg_am am WHERE am.oid = c.relam) AS "accessMethod"`),
];
