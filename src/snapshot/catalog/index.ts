import type { KindQueries } from './query.js';
import { comment, notTracker, relationName, userRelation } from './sql.js';

/** Indexes of tables and materialized views, keyed by their own qualified name. */
export const indexQueries: KindQueries = (v) => [
  {
    kind: 'index',
    sources: ['pg_index'],
    takesTrackers: true,
    sql: `
SELECT 'index:' || n.nspname || '.' || ic.relname AS path,
  n.nspname || '.' || c.relname AS "table",
  pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
  i.indisunique AS "unique",
  i.indisprimary AS "primary",
  i.indisexclusion AS exclusion,
  i.indimmediate AS immediate,
  -- A CREATE INDEX CONCURRENTLY that failed half-way leaves an index that is not valid.
  i.indisvalid AS valid,
  i.indisready AS ready,
  i.indisclustered AS clustered,
  i.indisreplident AS "replicaIdentity"${v.indexAttributes('i')},
  -- A partition's index attached to its parent's partitioned index.
  (SELECT ${relationName('h.inhparent')} FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid) AS parent,
  ${comment('i.indexrelid', 'pg_class')} AS comment
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND ${userRelation('c', 'n')} AND ${notTracker('n', 'c')}`,
  },
];
