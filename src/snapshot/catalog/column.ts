import type { KindQueries } from './query.js';
import { collationName, comment, notTracker, privileges, userRelation } from './sql.js';

/**
 * Columns of tables. Not their position (the table's `columns` has the order) and not
 * atthasmissing/attmissingval: ALTER TABLE … ADD COLUMN … DEFAULT on a table with rows sets them
 * where CREATE TABLE does not, for the same column. An identity column carries its sequence's
 * name and options; the sequence is not a `sequence:` object of its own.
 */
export const columnQueries: KindQueries = () => [
  {
    kind: 'column',
    takesTrackers: true,
    sql: columnSql(false),
    // For the snapshot, which transaction wrote each column's pg_attribute row: part of what says
    // an index definition the snapshot keeps is still the one its catalog rows give (kept-texts.ts).
    snapshotSql: columnSql(true),
  },
];

function columnSql(kept: boolean): string {
  return `
SELECT 'column:' || n.nspname || '.' || c.relname || '.' || a.attname AS path,
  n.nspname || '.' || c.relname AS "table",
  pg_catalog.format_type(a.atttypid, a.atttypmod) AS "type",
  a.attnotnull AS "notNull",
  -- A default names no column (only a generation expression may), so it is deparsed without the
  -- table's: pg_get_expr with a relation opens it and names all its columns first, which was
  -- two thirds of the call (10 ms against 4 for 2,569 defaults).
  CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, 0) END AS "default",
  CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END AS "identity",
  -- Behind a CASE, the subquery runs for identity columns only: a condition inside it still started
  -- it for every column (6 of 42 ms for 3,953 columns).
  CASE WHEN a.attidentity <> '' THEN (SELECT pg_catalog.jsonb_build_object(
      'name', sn.nspname || '.' || sc.relname,
      'type', pg_catalog.format_type(s.seqtypid, NULL),
      'start', s.seqstart::text, 'increment', s.seqincrement::text,
      'min', s.seqmin::text, 'max', s.seqmax::text, 'cache', s.seqcache::text, 'cycle', s.seqcycle)
   FROM pg_catalog.pg_depend d
   JOIN pg_catalog.pg_sequence s ON s.seqrelid = d.objid
   JOIN pg_catalog.pg_class sc ON sc.oid = s.seqrelid
   JOIN pg_catalog.pg_namespace sn ON sn.oid = sc.relnamespace
   WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
     AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
     AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.deptype = 'i'
   LIMIT 1) END AS "identitySequence",
  -- 's' (stored) on every version; 'v' (virtual) from PostgreSQL 18.
  CASE a.attgenerated WHEN 's' THEN 'stored' WHEN 'v' THEN 'virtual' END AS "generated",
  CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS "generationExpression",
  -- Only a collation or storage the user chose: the type's default says nothing about the migration.
  CASE WHEN a.attcollation <> t.typcollation THEN ${collationName('a.attcollation')} END AS "collation",
  CASE WHEN a.attstorage <> t.typstorage THEN CASE a.attstorage WHEN 'p' THEN 'plain' WHEN 'e' THEN 'external'
    WHEN 'm' THEN 'main' WHEN 'x' THEN 'extended' END END AS "storage",
  CASE a.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' END AS "compression",
  a.attislocal AS "local",
  a.attinhcount AS "inheritedCount",
  ${privileges('a.attacl', undefined, 'c.relowner')} AS privileges,
  ${comment('c.oid', 'pg_class', 'a.attnum')} AS comment${kept ? `,
  a.attnum || ':' || a.xmin AS "~tableRows"` : ''}
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped
  AND ${userRelation('c', 'n')} AND ${notTracker('n', 'c')}`;
}
