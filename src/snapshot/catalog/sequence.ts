import type { KindQueries } from './query.js';
import { comment, persistence, privileges, userRelation } from './sql.js';

/**
 * Sequences, but not identity columns' (their options are the column's). last_value / is_called
 * are data, not schema: they are never read.
 */
export const sequenceQueries: KindQueries = () => [
  {
    kind: 'sequence',
    sources: ['pg_class:S'],
    takesTrackers: true,
    sql: `
SELECT 'sequence:' || n.nspname || '.' || c.relname AS path,
  pg_catalog.format_type(s.seqtypid, NULL) AS "type",
  s.seqstart::text AS "start",
  s.seqincrement::text AS "increment",
  s.seqmin::text AS "min",
  s.seqmax::text AS "max",
  s.seqcache::text AS "cache",
  s.seqcycle AS "cycle",
  ${persistence('c')} AS persistence,
  o.owner AS "ownedBy",
  pg_catalog.pg_get_userbyid(c.relowner)::text AS owner,
  ${privileges('c.relacl', 's', 'c.relowner')} AS privileges,
  ${comment('c.oid', 'pg_class')} AS comment
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
-- OWNED BY (deptype 'a': serial and ALTER SEQUENCE … OWNED BY).
LEFT JOIN LATERAL (
  SELECT tn.nspname AS schema, t.relname AS relation, tn.nspname || '.' || t.relname || '.' || ta.attname AS owner
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
  JOIN pg_catalog.pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid
  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
    AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'a'
  LIMIT 1
) o ON true
WHERE ${userRelation('c', 'n')}
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'i')
  AND (o.owner IS NULL OR (o.schema || '.' || o.relation) <> ALL ($1::text[]))`,
  },
];
