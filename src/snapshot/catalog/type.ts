import type { KindQueries } from './query.js';
import { collationName, comment, functionName, privileges, userNamespace } from './sql.js';

const owned = `pg_catalog.pg_get_userbyid(t.typowner)::text AS owner,
  ${privileges('t.typacl', 'T', 't.typowner')} AS privileges,
  ${comment('t.oid', 'pg_type')} AS comment`;

const from = `FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace`;

const userType = `${userNamespace('n')} AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
     WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objid = t.oid AND d.deptype = 'e')`;

/**
 * User-defined types: enums, composite types (not the row types of tables), domains and ranges.
 * Array types and multirange types come with their element and range type.
 */
export const typeQueries: KindQueries = () => [
  {
    kind: 'enum',
    sources: ['pg_type:e'],
    takesTrackers: false,
    sql: `
SELECT 'enum:' || n.nspname || '.' || t.typname AS path,
  -- In their sort order, which ADD VALUE … BEFORE changes: enumsortorder values themselves differ.
  ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
        WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels,
  ${owned}
${from}
WHERE t.typtype = 'e' AND ${userType}`,
  },
  {
    kind: 'composite',
    sources: ['pg_class:c'],
    takesTrackers: false,
    sql: `
SELECT 'composite:' || n.nspname || '.' || t.typname AS path,
  ARRAY(SELECT pg_catalog.quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
          || CASE WHEN a.attcollation <> at.typcollation THEN ' COLLATE ' || ${collationName('a.attcollation')} ELSE '' END
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
        WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum) AS attributes,
  ${owned}
${from}
JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
WHERE t.typtype = 'c' AND c.relkind = 'c' AND ${userType}`,
  },
  {
    kind: 'domain',
    sources: ['pg_type:d'],
    takesTrackers: false,
    sql: `
SELECT 'domain:' || n.nspname || '.' || t.typname AS path,
  pg_catalog.format_type(t.typbasetype, t.typtypmod) AS "baseType",
  t.typnotnull AS "notNull",
  pg_catalog.pg_get_expr(t.typdefaultbin, 0) AS "default",
  CASE WHEN t.typcollation <> bt.typcollation THEN ${collationName('t.typcollation')} END AS "collation",
  -- name: definition (pg_get_constraintdef says NOT VALID itself), by name.
  ARRAY(SELECT x FROM (SELECT k.conname || ': ' || pg_catalog.pg_get_constraintdef(k.oid, true) AS x
      FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid) y ORDER BY x COLLATE "C") AS constraints,
  ${owned}
${from}
JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
WHERE t.typtype = 'd' AND ${userType}`,
  },
  {
    kind: 'range',
    sources: ['pg_type:r'],
    takesTrackers: false,
    sql: `
SELECT 'range:' || n.nspname || '.' || t.typname AS path,
  pg_catalog.format_type(r.rngsubtype, NULL) AS subtype,
  (SELECT opn.nspname || '.' || o.opcname FROM pg_catalog.pg_opclass o
   JOIN pg_catalog.pg_namespace opn ON opn.oid = o.opcnamespace WHERE o.oid = r.rngsubopc) AS "subtypeOpclass",
  ${collationName('NULLIF(r.rngcollation, 0)')} AS "collation",
  ${functionName('r.rngcanonical')} AS canonical,
  ${functionName('r.rngsubdiff')} AS "subtypeDiff",
  pg_catalog.format_type(r.rngmultitypid, NULL) AS multirange,
  ${owned}
${from}
JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
WHERE t.typtype = 'r' AND ${userType}`,
  },
];
