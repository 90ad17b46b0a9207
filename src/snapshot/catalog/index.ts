import type { KindQueries } from './query.js';
import type { CatalogVersion } from './versions.js';
import { notTracker, relationName, seldomComment, userRelation } from './sql.js';

/**
 * An index whose definition the snapshot may keep (kept-texts.ts): one on a table's columns alone.
 * pg_get_indexdef then prints what the index's pg_index and pg_class rows, its table's pg_class
 * row and columns, and the operator classes, collations, access methods and schemas hold. An
 * expression or a predicate may name any object, and a materialized view's columns are not read.
 */
const DEFINITION_KEPT = `c.relkind IN ('r', 'p') AND i.indexprs IS NULL AND i.indpred IS NULL`;

/** Indexes of tables and materialized views, keyed by their own qualified name. */
export const indexQueries: KindQueries = (v) => [
  {
    kind: 'index',
    sources: ['pg_index'],
    takesTrackers: true,
    sql: indexSql(v, false),
    snapshotSql: indexSql(v, true),
  },
];

/**
 * For the snapshot (`kept`), a definition it may keep is left NULL and the row says which catalog
 * rows it comes from: the index's pg_index and pg_class rows and its table's pg_class row, each
 * by OID and the transaction that wrote it (xmin).
 */
function indexSql(v: CatalogVersion, kept: boolean): string {
  const definition = kept
    ? `CASE WHEN ${DEFINITION_KEPT} THEN NULL ELSE pg_catalog.pg_get_indexdef(i.indexrelid) END AS definition,
  CASE WHEN ${DEFINITION_KEPT} THEN i.indexrelid || ':' || i.xmin || ':' || ic.xmin || ' ' || i.indrelid || ':' || c.xmin END AS "~rows",`
    : 'pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,';
  return `
SELECT 'index:' || n.nspname || '.' || ic.relname AS path,
  n.nspname || '.' || c.relname AS "table",
  ${definition}
  i.indisunique AS "unique",
  i.indisprimary AS "primary",
  i.indisexclusion AS exclusion,
  i.indimmediate AS immediate,
  -- A CREATE INDEX CONCURRENTLY that failed half-way leaves an index that is not valid.
  i.indisvalid AS valid,
  i.indisready AS ready,
  i.indisclustered AS clustered,
  i.indisreplident AS "replicaIdentity"${v.indexAttributes('i')},
  -- A partition's index attached to its parent's partitioned index (then itself a partition).
  CASE WHEN ic.relispartition THEN (SELECT ${relationName('h.inhparent')} FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid) END AS parent,
  ${seldomComment('i.indexrelid', 'pg_class', `'i', 'I'`)} AS comment
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND ${userRelation('c', 'n')} AND ${notTracker('n', 'c')}`;
}
