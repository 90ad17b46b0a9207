import type { KindQueries } from './query.js';
import { notTracker, seldomComment, tableMemberName, userRelation } from './sql.js';

/**
 * Table constraints; domain constraints come with their domain. On PostgreSQL 18 NOT NULL
 * constraints are rows here too (contype 'n'): snapshots are compared within one major version.
 */
export const constraintQueries: KindQueries = (v) => [
  {
    kind: 'constraint',
    sources: ['pg_constraint'],
    takesTrackers: true,
    sql: `
SELECT 'constraint:' || n.nspname || '.' || c.relname || '.' || k.conname AS path,
  n.nspname || '.' || c.relname AS "table",
  CASE k.contype WHEN 'c' THEN 'check' WHEN 'f' THEN 'foreign key' WHEN 'p' THEN 'primary key'
    WHEN 'u' THEN 'unique' WHEN 't' THEN 'trigger' WHEN 'x' THEN 'exclusion' WHEN 'n' THEN 'not null'
    ELSE k.contype::text END AS "type",
  pg_catalog.pg_get_constraintdef(k.oid, true) AS definition,
  k.condeferrable AS deferrable,
  k.condeferred AS deferred,
  k.convalidated AS validated,
  k.conislocal AS "local",
  k.coninhcount AS "inheritedCount",
  k.connoinherit AS "noInherit"${v.constraintAttributes('k')},
  -- A partition's copy of its parent's constraint.
  CASE WHEN k.conparentid <> 0 THEN ${tableMemberName('pg_constraint', 'k.conparentid')} END AS parent,
  ${seldomComment('k.oid', 'pg_constraint')} AS comment
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ${userRelation('c', 'n')} AND ${notTracker('n', 'c')}`,
  },
];
