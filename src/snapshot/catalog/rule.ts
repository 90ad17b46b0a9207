import type { KindQueries } from './query.js';
import { comment, notTracker, userRelation } from './sql.js';

/** Rewrite rules, except the `_RETURN` rule that is a view's definition (read with the view). */
export const ruleQueries: KindQueries = () => [
  {
    kind: 'rule',
    sources: ['pg_rewrite'],
    takesTrackers: true,
    sql: `
SELECT 'rule:' || n.nspname || '.' || c.relname || '.' || r.rulename AS path,
  n.nspname || '.' || c.relname AS "table",
  pg_catalog.pg_get_ruledef(r.oid, true) AS definition,
  CASE r.ev_enabled WHEN 'O' THEN 'origin' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always' END AS enabled,
  ${comment('r.oid', 'pg_rewrite')} AS comment
FROM pg_catalog.pg_rewrite r
JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT (r.rulename = '_RETURN' AND c.relkind IN ('v', 'm'))
  AND ${userRelation('c', 'n')} AND ${notTracker('n', 'c')}`,
  },
];
