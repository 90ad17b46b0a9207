import type pg from 'pg';
import { dataTablesQuery } from './catalog.js';
import { compareText, sortKeys } from './canonical.js';
import { quoteIdent, serialRead } from './data.js';
import type { DataFingerprint } from './types.js';

/**
 * A table as a data fingerprint reads it: `relkind` says whether its rows are its own (ONLY) or,
 * for a partitioned table, its partitions'.
 */
export interface TableRef {
  schema: string;
  name: string;
  relkind: string;
}

/** A single-column foreign key whose referenced column is filled from a sequence. */
export interface RenumberedReference {
  column: string;
  /** The table and column whose numbering the key follows (the end of a chain of keys). */
  table: TableRef;
  target: string;
}

/**
 * How one table's rows are compared when values PostgreSQL makes anew in every run are not
 * differences. A column absent here is compared exactly.
 */
export interface TableRelaxation {
  /** Compared by shape only: NULL or not (results of volatile functions). */
  shape: string[];
  /** Filled from a sequence: compared up to an order-preserving renumbering (dense_rank). */
  renumber: string[];
  /** Foreign keys to a renumbered column: compared through that column's renumbering. */
  references: RenumberedReference[];
}

/** Per qualified table name. A table absent is compared exactly. */
export type Relaxation = Record<string, TableRelaxation>;

export const EXACT: TableRelaxation = { shape: [], renumber: [], references: [] };

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function relation(table: TableRef): string {
  // ONLY: an inheritance parent's own rows; a partitioned table is read whole (see data.ts).
  return `${table.relkind === 'p' ? '' : 'ONLY '}${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
}

export function isExact(rule: TableRelaxation | undefined): boolean {
  return !rule || (rule.shape.length === 0 && rule.renumber.length === 0 && rule.references.length === 0);
}

/**
 * The text of every row of `table` as compared: `to_jsonb(row)` with each relaxed column replaced
 * by what is compared of it. A shaped column becomes null or `"(any)"`; a renumbered one `"#n"`,
 * its rank among the table's distinct values; a reference the rank of the value it points at in
 * the referenced table (`"(dangling)"` when there is none). Columns are read from the row's jsonb,
 * never by name, so a column missing on one side reads as absent instead of failing the query.
 * Without rules the text is `to_jsonb(row)` itself: the exact fingerprint's.
 */
export function rowsSql(table: TableRef, rule: TableRelaxation = EXACT): string {
  const from = `(SELECT pg_catalog.to_jsonb(x.*) AS j FROM ${relation(table)} x) r`;
  if (isExact(rule)) return `SELECT r.j::text AS t FROM ${from}`;
  const value = (column: string): string => `(r.j -> ${literal(column)})`;
  const isNull = (column: string): string => `${value(column)} = 'null'::pg_catalog.jsonb`;
  const pairs: string[] = [];
  const joins: string[] = [];
  for (const column of rule.shape) {
    pairs.push(`${literal(column)}, CASE WHEN ${isNull(column)} THEN 'null'::pg_catalog.jsonb ELSE '"(any)"'::pg_catalog.jsonb END`);
  }
  for (const column of rule.renumber) {
    pairs.push(
      `${literal(column)}, CASE WHEN ${isNull(column)} THEN 'null'::pg_catalog.jsonb ` +
        `ELSE pg_catalog.to_jsonb('#' || pg_catalog.dense_rank() OVER (ORDER BY ${value(column)})) END`,
    );
  }
  rule.references.forEach((ref, i) => {
    const k = `k${i}`;
    joins.push(`LEFT JOIN (SELECT d.v, pg_catalog.dense_rank() OVER (ORDER BY d.v) AS n
  FROM (SELECT DISTINCT pg_catalog.to_jsonb(y.*) -> ${literal(ref.target)} AS v FROM ${relation(ref.table)} y) d
  WHERE d.v <> 'null'::pg_catalog.jsonb) ${k} ON ${k}.v = ${value(ref.column)}`);
    pairs.push(
      `${literal(ref.column)}, CASE WHEN ${isNull(ref.column)} THEN 'null'::pg_catalog.jsonb ` +
        `WHEN ${k}.n IS NULL THEN '"(dangling)"'::pg_catalog.jsonb ELSE pg_catalog.to_jsonb('#' || ${k}.n) END`,
    );
  });
  // jsonb_build_object takes at most 100 arguments: 40 columns a call.
  const objects: string[] = [];
  for (let i = 0; i < pairs.length; i += 40) objects.push(`pg_catalog.jsonb_build_object(${pairs.slice(i, i + 40).join(',\n  ')})`);
  return `SELECT (r.j || ${objects.join(' || ')})::text AS t FROM ${from}\n${joins.join('\n')}`;
}

/** Row count and order-independent hash of the rows as compared: the exact fingerprint's form. */
export function fingerprintSql(table: TableRef, rule: TableRelaxation | undefined, index: number): string {
  return `SELECT ${index} AS i, count(*) AS rows,
  pg_catalog.md5(coalesce(pg_catalog.string_agg(z.h, '' ORDER BY z.h COLLATE "C"), '')) AS hash
FROM (SELECT pg_catalog.md5(q.t) AS h FROM (${rowsSql(table, rule)}) q) z`;
}

/** The data tables of the database `client` is on (tracker tables left out). */
export async function dataTables(client: pg.Client, trackers: string[]): Promise<TableRef[]> {
  return (await client.query<TableRef>(dataTablesQuery, [trackers])).rows;
}

/**
 * Per-table fingerprints of the rows as `relaxation` compares them, computed on the server in one
 * round trip. Equal to the exact fingerprints for every table without rules.
 */
export async function relaxedFingerprints(
  client: pg.Client,
  tables: TableRef[],
  relaxation: Relaxation,
): Promise<Record<string, DataFingerprint>> {
  if (tables.length === 0) return {};
  const sql = tables.map((t, i) => fingerprintSql(t, relaxation[`${t.schema}.${t.name}`], i)).join('\nUNION ALL\n');
  const result = await serialRead<{ i: number; rows: string; hash: string }>(client, sql);
  const data: Record<string, DataFingerprint> = {};
  for (const row of result.rows) {
    const table = tables[row.i]!;
    data[`${table.schema}.${table.name}`] = { hash: row.hash, rows: Number(row.rows) };
  }
  return sortKeys(data);
}

/** The md5 of every row of `table` as compared, with repeats: what a row-level difference is made of. */
export async function rowDigests(client: pg.Client, table: TableRef, rule: TableRelaxation | undefined): Promise<string[]> {
  const result = await client.query<{ h: string }>(`SELECT pg_catalog.md5(q.t) AS h FROM (${rowsSql(table, rule)}) q`);
  return result.rows.map((r) => r.h);
}

/** The rows (as compared) whose md5 is one of `digests`, by digest, each row as an object. */
export async function rowsWithDigests(
  client: pg.Client,
  table: TableRef,
  rule: TableRelaxation | undefined,
  digests: string[],
): Promise<Map<string, unknown>> {
  const rows = new Map<string, unknown>();
  if (digests.length === 0) return rows;
  const result = await client.query<{ h: string; t: string }>(
    `SELECT DISTINCT pg_catalog.md5(q.t) AS h, q.t FROM (${rowsSql(table, rule)}) q WHERE pg_catalog.md5(q.t) = ANY ($1::text[])`,
    [[...new Set(digests)]],
  );
  for (const r of result.rows) rows.set(r.h, sortKeys(JSON.parse(r.t) as unknown));
  return rows;
}

/**
 * The digests on each side that have no equal on the other (a multiset difference): a row
 * duplicated on one side leaves its extra copy unmatched.
 */
export function unmatchedDigests(expected: string[], found: string[]): { expected: string[]; found: string[] } {
  const counts = new Map<string, number>();
  for (const h of found) counts.set(h, (counts.get(h) ?? 0) + 1);
  const onlyExpected: string[] = [];
  for (const h of expected) {
    const n = counts.get(h) ?? 0;
    if (n > 0) counts.set(h, n - 1);
    else onlyExpected.push(h);
  }
  const onlyFound = [...counts].flatMap(([h, n]) => Array.from({ length: n }, () => h));
  return { expected: onlyExpected.sort(compareText), found: onlyFound.sort(compareText) };
}
