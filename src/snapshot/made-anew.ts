import type pg from 'pg';
import { compareText } from './canonical.js';
import { userRelation } from './catalog/sql.js';
import type { Relaxation, TableRef, TableRelaxation } from './relaxed.js';

/*
 * Columns whose values the catalog says a run makes anew: filled from a sequence (a default that
 * calls nextval on one: serial, bigserial, `DEFAULT nextval(…)`; or an identity), the single-column
 * foreign keys that point at them, and columns whose default gives another value in every run
 * (now(), gen_random_uuid(), random(), …). Which values really differ between two runs is the
 * calibration's to find (checks/calibration.ts): it sees statements and triggers too. The volatile
 * defaults are added to what it finds, since a random value can happen to be the same twice (a
 * `random() < 0.5` flag) and a verdict must not depend on that; and they stand alone for a table
 * the calibration did not see.
 */

export interface CatalogColumn {
  schema: string;
  table: string;
  column: string;
}

export interface CatalogForeignKey extends CatalogColumn {
  target: TableRef;
  targetColumn: string;
}

export interface MadeAnew {
  /** Tables as the data fingerprint reads them, by qualified name. */
  tables: Record<string, TableRef>;
  sequenceFilled: CatalogColumn[];
  foreignKeys: CatalogForeignKey[];
  volatileDefaults: CatalogColumn[];
}

const COLUMNS_SQL = `
SELECT n.nspname AS schema, c.relname AS "table", a.attname AS "column",
  (a.attidentity <> '' OR EXISTS (
     SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
     WHERE d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND d.objid = ad.oid
       AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass)) AS "sequence",
  -- A default whose value differs between two runs: it calls a volatile function (random(),
  -- gen_random_uuid(), clock_timestamp(), …) or one of the clock's stable ones, or it is one of
  -- the SQL value functions of the clock (CURRENT_DATE … LOCALTIMESTAMP: ops 0 to 8 on 14 to 18).
  -- Built-in functions have no pg_depend row, so their OIDs are read from the expression tree.
  (ad.oid IS NOT NULL AND (ad.adbin::text ~ '[{]SQLVALUEFUNCTION :op [0-8] ' OR EXISTS (
     SELECT 1 FROM pg_catalog.regexp_matches(ad.adbin::text, ':funcid (\\d+)', 'g') m
     JOIN pg_catalog.pg_proc p ON p.oid = m[1]::pg_catalog.oid
     WHERE p.provolatile = 'v' OR (p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace
       AND p.proname IN ('now', 'transaction_timestamp', 'statement_timestamp'))))) AS "volatile"
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND ${userRelation('c', 'n')}
  AND (a.attidentity <> '' OR ad.oid IS NOT NULL)`;

const FOREIGN_KEYS_SQL = `
SELECT n.nspname AS schema, c.relname AS "table", a.attname AS "column",
  fn.nspname AS target_schema, fc.relname AS target_name, fc.relkind::text AS target_relkind, fa.attname AS target_column
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
JOIN pg_catalog.pg_class fc ON fc.oid = k.confrelid
JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
JOIN pg_catalog.pg_attribute fa ON fa.attrelid = k.confrelid AND fa.attnum = k.confkey[1]
WHERE k.contype = 'f' AND pg_catalog.cardinality(k.conkey) = 1 AND ${userRelation('c', 'n')}`;

/** What the catalog of the database `client` is on says about values made anew. */
export async function readMadeAnew(client: pg.Client, trackers: string[]): Promise<MadeAnew> {
  const tables = (
    await client.query<TableRef>(
      `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND ${userRelation('c', 'n')}`,
    )
  ).rows;
  const columns = (await client.query<CatalogColumn & { sequence: boolean; volatile: boolean }>(COLUMNS_SQL)).rows;
  const keys = (
    await client.query<CatalogColumn & { target_schema: string; target_name: string; target_relkind: string; target_column: string }>(FOREIGN_KEYS_SQL)
  ).rows;
  const tracked = new Set(trackers);
  const mine = (c: CatalogColumn): boolean => !tracked.has(`${c.schema}.${c.table}`);
  const strip = ({ schema, table, column }: CatalogColumn): CatalogColumn => ({ schema, table, column });
  return {
    tables: Object.fromEntries(tables.map((t) => [`${t.schema}.${t.name}`, t])),
    sequenceFilled: columns.filter((c) => c.sequence && mine(c)).map(strip),
    volatileDefaults: columns.filter((c) => !c.sequence && c.volatile && mine(c)).map(strip),
    foreignKeys: keys.filter(mine).map((k) => ({
      ...strip(k),
      target: { schema: k.target_schema, name: k.target_name, relkind: k.target_relkind },
      targetColumn: k.target_column,
    })),
  };
}

const name = (schema: string, table: string, column: string): string => `${schema}.${table}.${column}`;

/**
 * The per-table rules: sequence-filled columns renumbered; foreign keys that lead, through at most
 * a few keys (a key that is itself a foreign key: one-to-one tables), to one followed through its
 * numbering; shaped: the columns `volatile` gives per table (the calibration's), and the
 * catalog's volatile defaults. A column shaped is not also renumbered.
 */
export function relaxationOf(catalog: MadeAnew, volatile: (table: string) => string[] | undefined): Relaxation {
  const filled = new Set(catalog.sequenceFilled.map((c) => name(c.schema, c.table, c.column)));
  const keyOf = new Map(catalog.foreignKeys.map((k) => [name(k.schema, k.table, k.column), k]));
  const root = (column: string, depth = 0): { table: TableRef; column: string } | undefined => {
    const key = keyOf.get(column);
    if (!key || depth > 8) return undefined;
    const target = name(key.target.schema, key.target.name, key.targetColumn);
    if (filled.has(target)) return { table: key.target, column: key.targetColumn };
    return root(target, depth + 1);
  };
  const relaxation: Relaxation = {};
  const rule = (table: string): TableRelaxation => (relaxation[table] ??= { shape: [], renumber: [], references: [] });
  for (const c of catalog.sequenceFilled) rule(`${c.schema}.${c.table}`).renumber.push(c.column);
  for (const k of catalog.foreignKeys) {
    const qualified = name(k.schema, k.table, k.column);
    if (filled.has(qualified)) continue;
    const to = root(qualified);
    if (to) rule(`${k.schema}.${k.table}`).references.push({ column: k.column, table: to.table, target: to.column });
  }
  const fallback = new Map<string, string[]>();
  for (const c of catalog.volatileDefaults) fallback.set(`${c.schema}.${c.table}`, [...(fallback.get(`${c.schema}.${c.table}`) ?? []), c.column]);
  for (const table of Object.keys(catalog.tables)) {
    const shaped = [...(volatile(table) ?? []), ...(fallback.get(table) ?? [])];
    if (shaped.length === 0) continue;
    const r = rule(table);
    // Calibration can find a renumbered column volatile too (rows inserted in a random order):
    // then it is compared by shape, which is what the two fresh runs agree on.
    const shape = new Set(shaped);
    r.renumber = r.renumber.filter((c) => !shape.has(c));
    r.references = r.references.filter((k) => !shape.has(k.column));
    r.shape = [...shape];
  }
  for (const r of Object.values(relaxation)) {
    r.shape.sort(compareText);
    r.renumber.sort(compareText);
    r.references.sort((a, b) => compareText(a.column, b.column));
  }
  return relaxation;
}
