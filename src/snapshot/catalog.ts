import type { ObjectKind } from './types.js';

/**
 * Catalog queries, one per object kind. Each returns one row per object: a `path` column and one
 * column per attribute (the column alias is the attribute name). The snapshot adds `kind` and sorts
 * the keys, so a query only has to pick canonical values: names instead of OIDs, pg_get_* output
 * instead of pg_node_tree, never attnum, conkey, atthasmissing/attmissingval or sequence state.
 *
 * Every query runs with `search_path = ''`, so every name that pg_get_* prints is qualified.
 */
export interface CatalogQuery {
  kind: ObjectKind;
  sql: string;
  /**
   * The query takes `$1 text[]`: qualified names of tracker tables, whose objects (columns,
   * constraints, indexes, owned sequences, triggers) are left out of the schema. node-postgres
   * sends untyped parameters, and a query that does not mention `$1` would fail on it.
   */
  takesTrackers: boolean;
}

// Objects that belong to an extension are the extension's, not the migration set's.
const notExtensionMember = (catalog: string, oid: string): string =>
  `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
     WHERE d.classid = '${catalog}'::pg_catalog.regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

// pg_toast_temp_N matches 'pg\_toast%' too.
const userNamespace = (n: string): string =>
  `${n}.nspname NOT IN ('pg_catalog', 'information_schema')
   AND ${n}.nspname NOT LIKE 'pg\\_toast%'
   AND ${n}.nspname NOT LIKE 'pg\\_temp\\_%'
   AND ${notExtensionMember('pg_namespace', `${n}.oid`)}`;

// Table-like relations whose columns, constraints, indexes and triggers the snapshot reads.
const userRelation = (c: string, n: string): string =>
  `${userNamespace(n)} AND ${notExtensionMember('pg_class', `${c}.oid`)}`;

const notTracker = (n: string, c: string): string =>
  `(${n}.nspname || '.' || ${c}.relname) <> ALL ($1::text[])`;

/**
 * A schema of a tracker's own (codd's `codd`) belongs to the tracker, like the table: a tool may
 * make it at a moment the schema under test knows nothing of (codd when it records a failure).
 * `public` always stays.
 */
const schemas: CatalogQuery = {
  kind: 'schema',
  takesTrackers: true,
  sql: `
SELECT 'schema:' || n.nspname AS path
FROM pg_catalog.pg_namespace n
WHERE ${userNamespace('n')}
  AND (n.nspname = 'public' OR n.nspname <> ALL (
    SELECT split_part(t, '.', 1) FROM pg_catalog.unnest($1::text[]) AS t))`,
};

const tables: CatalogQuery = {
  kind: 'table',
  takesTrackers: true,
  sql: `
SELECT 'table:' || n.nspname || '.' || c.relname AS path,
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' ELSE 'foreign table' END AS "type",
  CASE c.relpersistence WHEN 'p' THEN 'permanent' WHEN 'u' THEN 'unlogged' ELSE 'temporary' END AS persistence,
  -- Column order lives here, once, so that a diff can ignore it.
  ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum) AS columns,
  ARRAY(SELECT pn.nspname || '.' || p.relname FROM pg_catalog.pg_inherits i
        JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
        JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
        WHERE i.inhrelid = c.oid ORDER BY i.inhseqno) AS parents,
  CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS "partitionKey",
  pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS "partitionBound"
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'f') AND ${userRelation('c', 'n')} AND ${notTracker('n', 'c')}`,
};

const columns: CatalogQuery = {
  kind: 'column',
  takesTrackers: true,
  sql: `
SELECT 'column:' || n.nspname || '.' || c.relname || '.' || a.attname AS path,
  n.nspname || '.' || c.relname AS "table",
  pg_catalog.format_type(a.atttypid, a.atttypmod) AS "type",
  a.attnotnull AS "notNull",
  CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS "default",
  CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END AS "identity",
  -- 's' (stored) on every version; 'v' (virtual) from PostgreSQL 18.
  CASE a.attgenerated WHEN 's' THEN 'stored' WHEN 'v' THEN 'virtual' END AS "generated",
  CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS "generationExpression",
  -- Only a collation the user chose: the type's default says nothing about the migration.
  CASE WHEN a.attcollation <> t.typcollation
    THEN (SELECT cn.nspname || '.' || co.collname FROM pg_catalog.pg_collation co
          JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation)
  END AS "collation"
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped
  AND ${userRelation('c', 'n')} AND ${notTracker('n', 'c')}`,
};

// Table constraints only; domain constraints come with domains. On PostgreSQL 18 NOT NULL
// constraints are rows here too (contype 'n'): snapshots are compared within one major version.
const constraints: CatalogQuery = {
  kind: 'constraint',
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
  k.convalidated AS validated
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ${userRelation('c', 'n')} AND ${notTracker('n', 'c')}`,
};

const indexes: CatalogQuery = {
  kind: 'index',
  takesTrackers: true,
  sql: `
SELECT 'index:' || n.nspname || '.' || ic.relname AS path,
  n.nspname || '.' || c.relname AS "table",
  pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
  i.indisunique AS "unique",
  i.indisprimary AS "primary",
  -- A CREATE INDEX CONCURRENTLY that failed half-way leaves an index that is not valid.
  i.indisvalid AS valid,
  i.indisready AS ready
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND ${userRelation('c', 'n')} AND ${notTracker('n', 'c')}`,
};

// last_value / is_called are data, not schema: they are never read.
const sequences: CatalogQuery = {
  kind: 'sequence',
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
  CASE c.relpersistence WHEN 'p' THEN 'permanent' WHEN 'u' THEN 'unlogged' ELSE 'temporary' END AS persistence,
  o.owner AS "ownedBy"
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
-- OWNED BY (deptype 'a': serial and ALTER SEQUENCE … OWNED BY; 'i': identity columns).
LEFT JOIN LATERAL (
  SELECT tn.nspname AS schema, t.relname AS relation, tn.nspname || '.' || t.relname || '.' || ta.attname AS owner
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
  JOIN pg_catalog.pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid
  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
    AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i')
  LIMIT 1
) o ON true
WHERE ${userRelation('c', 'n')}
  AND (o.owner IS NULL OR (o.schema || '.' || o.relation) <> ALL ($1::text[]))`,
};

const views: CatalogQuery = {
  kind: 'view',
  takesTrackers: false,
  sql: `
SELECT 'view:' || n.nspname || '.' || c.relname AS path,
  c.relkind = 'm' AS materialized,
  pg_catalog.pg_get_viewdef(c.oid, true) AS definition
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND ${userRelation('c', 'n')}`,
};

// pg_get_functiondef, not prosrc: a BEGIN ATOMIC body has prosrc = ''. It also carries language,
// volatility, strictness, SECURITY DEFINER and SET clauses. Aggregates have no functiondef.
const functions: CatalogQuery = {
  kind: 'function',
  takesTrackers: false,
  sql: `
SELECT 'function:' || n.nspname || '.' || p.proname
    || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS path,
  CASE p.prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure' WHEN 'w' THEN 'window' END AS "type",
  pg_catalog.pg_get_functiondef(p.oid) AS definition
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind <> 'a' AND ${userNamespace('n')} AND ${notExtensionMember('pg_proc', 'p.oid')}`,
};

const triggers: CatalogQuery = {
  kind: 'trigger',
  takesTrackers: true,
  sql: `
SELECT 'trigger:' || n.nspname || '.' || c.relname || '.' || t.tgname AS path,
  n.nspname || '.' || c.relname AS "table",
  pg_catalog.pg_get_triggerdef(t.oid, true) AS definition,
  CASE t.tgenabled WHEN 'O' THEN 'origin' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica'
    WHEN 'A' THEN 'always' END AS enabled
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND ${userRelation('c', 'n')} AND ${notTracker('n', 'c')}`,
};

const enums: CatalogQuery = {
  kind: 'enum',
  takesTrackers: false,
  sql: `
SELECT 'enum:' || n.nspname || '.' || t.typname AS path,
  ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
        WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND ${userNamespace('n')} AND ${notExtensionMember('pg_type', 't.oid')}`,
};

/**
 * The queries for a server, by `server_version_num`. PostgreSQL 14 to 18 share them today; a
 * major whose catalog differs gets its own entry here rather than a branch inside the SQL.
 */
export function catalogQueries(serverVersionNum: number): CatalogQuery[] {
  if (serverVersionNum < 140000) {
    throw new Error(`PostgreSQL ${serverVersionNum} is not supported: snapshots need 14 or later`);
  }
  return [schemas, tables, columns, constraints, indexes, sequences, views, functions, triggers, enums];
}

/** The tables whose data is fingerprinted: ordinary and partitioned tables outside trackers. */
export const dataTablesQuery = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS relkind
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND ${userRelation('c', 'n')} AND ${notTracker('n', 'c')}
ORDER BY 1, 2`;

/** Which of the given tracker tables exist (a tracker is created by the first run). */
export const trackerTablesQuery = `
SELECT n.nspname AS schema, c.relname AS name
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND (n.nspname || '.' || c.relname) = ANY ($1::text[])
ORDER BY 1, 2`;
