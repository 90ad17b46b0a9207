import type pg from 'pg';
import { shapesOf, type RawCatalog } from './shapes.js';
import type { Shapes } from './types.js';

export interface ReadOptions {
  /** Schemas to fill; default every schema but PostgreSQL's own. */
  schemas?: string[];
  /** Tables not to fill, beside the trackers: `schema.name`, a bare `name` (any schema) or `schema.*`. */
  exclude?: string[];
}

// One simple-query string, four result sets: one round trip for the whole catalog. Names, never
// OIDs, leave this module, except the type OIDs the columns are resolved through.
const CATALOG_SQL = `
SELECT current_user AS user,
       (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) AS superuser,
       (SELECT rolsuper OR rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = current_user) AS bypass;
SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind,
       c.relispartition AS partition, pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       c.relrowsecurity AS rls, c.relforcerowsecurity AS force_rls,
       pg_catalog.pg_has_role(c.relowner, 'MEMBER') AS member,
       (SELECT pn.nspname || '.' || p.relname FROM pg_catalog.pg_inherits i
          JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
          JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
         WHERE i.inhrelid = c.oid LIMIT 1) AS parent,
       (SELECT e.extname FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
         WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e' LIMIT 1) AS extension,
       coalesce((SELECT json_agg(json_build_object(
           'name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
           'typeOid', a.atttypid::int8, 'typmod', a.atttypmod, 'notNull', a.attnotnull,
           'default', pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), 'identity', a.attidentity,
           'generated', a.attgenerated) ORDER BY a.attnum)
         FROM pg_catalog.pg_attribute a
         LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns,
       coalesce((SELECT json_agg(array(
           SELECT a.attname FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(num, pos)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.num
            ORDER BY k.pos))
         FROM pg_catalog.pg_index x
        WHERE x.indrelid = c.oid AND x.indisunique AND x.indexprs IS NULL AND x.indpred IS NULL), '[]') AS keys,
       coalesce((SELECT json_agg(json_build_object(
           'name', f.conname,
           'parent', (SELECT fn.nspname || '.' || fc.relname FROM pg_catalog.pg_class fc
                        JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace WHERE fc.oid = f.confrelid),
           'columns', array(SELECT a.attname FROM unnest(f.conkey) WITH ORDINALITY k(num, pos)
                              JOIN pg_catalog.pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.num ORDER BY k.pos),
           'parentColumns', array(SELECT a.attname FROM unnest(f.confkey) WITH ORDINALITY k(num, pos)
                              JOIN pg_catalog.pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.num ORDER BY k.pos))
           ORDER BY f.conname)
         FROM pg_catalog.pg_constraint f
        WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.conparentid = 0), '[]') AS foreign_keys,
       array(SELECT pg_catalog.pg_get_constraintdef(k.oid) FROM pg_catalog.pg_constraint k
              WHERE k.conrelid = c.oid AND k.contype = 'c' ORDER BY k.conname) AS checks,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relkind = 'p' THEN array(SELECT pg_catalog.pg_get_expr(p.relpartbound, p.oid)
                                              FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class p ON p.oid = i.inhrelid
                                             WHERE i.inhparent = c.oid ORDER BY p.relname) END AS partition_bounds
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'f')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
 ORDER BY n.nspname, c.relname;
SELECT t.oid::int8 AS oid, n.nspname AS schema, t.typname AS name, t.typtype AS type, t.typcategory AS category,
       t.typelem::int8 AS elem, t.typbasetype::int8 AS base, t.typtypmod AS typmod, t.typnotnull AS not_null,
       t.typdefault IS NOT NULL OR t.typdefaultbin IS NOT NULL AS has_default, r.rngsubtype::int8 AS range_of,
       CASE WHEN t.typtype = 'e' THEN array(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
                                            WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END AS labels,
       CASE WHEN t.typtype = 'd' THEN array(SELECT pg_catalog.pg_get_constraintdef(k.oid) FROM pg_catalog.pg_constraint k
                                            WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname) END AS checks
  FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
 WHERE t.typtype IN ('b', 'd', 'e', 'r') AND t.typisdefined;
`;

/** The shapes of the tables of the database `client` is connected to: one round trip. */
export async function readShapes(client: pg.ClientBase, options: ReadOptions = {}): Promise<Shapes> {
  const results = (await client.query(CATALOG_SQL)) as unknown as pg.QueryResult[];
  const [who, tables, types] = results;
  const me = who!.rows[0] as { user: string; superuser: boolean; bypass: boolean };
  const raw: RawCatalog = {
    user: me.user,
    superuser: me.superuser === true,
    bypassRowSecurity: me.bypass === true,
    tables: tables!.rows.map((r) => ({
      schema: r.schema,
      name: r.name,
      kind: r.kind,
      partitionOf: r.partition ? r.parent : null,
      owner: r.owner,
      rowSecurity: r.rls,
      forceRowSecurity: r.force_rls,
      ownerMember: r.member === true,
      extension: r.extension,
      columns: r.columns.map((c: Record<string, unknown>) => ({ ...c, typeOid: Number(c.typeOid) })),
      keys: r.keys,
      foreignKeys: r.foreign_keys,
      checks: r.checks,
      partitionKey: r.partition_key,
      partitionBounds: r.partition_bounds ?? [],
    })),
    types: types!.rows.map((t) => ({
      oid: Number(t.oid),
      schema: t.schema,
      name: t.name,
      type: t.type,
      category: t.category,
      elem: Number(t.elem),
      base: Number(t.base),
      typmod: t.typmod,
      notNull: t.not_null,
      hasDefault: t.has_default,
      rangeOf: t.range_of === null ? null : Number(t.range_of),
      labels: t.labels,
      checks: t.checks ?? [],
    })),
  };
  return shapesOf(raw, options);
}
