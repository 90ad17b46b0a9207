import type { KindQueries } from './query.js';
import { comment, notTracker, userRelation } from './sql.js';

/** Extended statistics (CREATE STATISTICS), not the statistics ANALYZE gathers into them. */
export const statisticsQueries: KindQueries = (v) => [
  {
    kind: 'statistics',
    sources: ['pg_statistic_ext'],
    takesTrackers: true,
    sql: `
SELECT 'statistics:' || sn.nspname || '.' || s.stxname AS path,
  n.nspname || '.' || c.relname AS "table",
  pg_catalog.pg_get_statisticsobjdef_columns(s.oid) AS columns,
  ARRAY(SELECT x FROM (SELECT CASE k WHEN 'd' THEN 'ndistinct' WHEN 'f' THEN 'dependencies' WHEN 'm' THEN 'mcv'
        WHEN 'e' THEN 'expressions' ELSE k::text END AS x FROM pg_catalog.unnest(s.stxkind) AS k) y
    ORDER BY x COLLATE "C") AS kinds,
  ${v.statisticsTarget('s')} AS target,
  pg_catalog.pg_get_userbyid(s.stxowner)::text AS owner,
  ${comment('s.oid', 'pg_statistic_ext')} AS comment
FROM pg_catalog.pg_statistic_ext s
JOIN pg_catalog.pg_namespace sn ON sn.oid = s.stxnamespace
JOIN pg_catalog.pg_class c ON c.oid = s.stxrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ${userRelation('c', 'n')} AND ${notTracker('n', 'c')}`,
  },
];
