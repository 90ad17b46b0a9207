import { createHash } from 'node:crypto';
import type pg from 'pg';
import { dataTablesQuery } from './catalog.js';
import { compareText, canonicalJson, sortKeys } from './canonical.js';
import type { DataFingerprint } from './types.js';

/**
 * For the transaction a state is read in: no parallel plans. A hash or snapshot reads many small
 * tables in one UNION ALL, which the planner runs as a Parallel Append, and starting the workers
 * costs several times what the reads do (12 ms against 45 ms for 45 tables of 50 rows).
 */
export const NO_PARALLEL = `SELECT pg_catalog.set_config('max_parallel_workers_per_gather', '0', true)`;

/**
 * Opens the transaction a state is read in: read-only and repeatable-read, so that every read sees
 * one instant; `search_path` empty, so that every name pg_get_*def and format_type print is
 * qualified, whatever the migrations or the connection set it to; no parallel workers (above);
 * generic plans for statements prepared on a kept connection. `true`: this transaction only.
 */
export const READ_ONLY = `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT pg_catalog.set_config('search_path', '', true), pg_catalog.set_config('max_parallel_workers_per_gather', '0', true),
  pg_catalog.set_config('plan_cache_mode', 'force_generic_plan', true)`;

/**
 * Runs a read over many tables without parallel workers: `sql` and NO_PARALLEL go as one string,
 * whose implicit transaction (or the caller's own) bounds the setting.
 */
export async function serialRead<R extends pg.QueryResultRow>(client: pg.Client, sql: string): Promise<pg.QueryResult<R>> {
  const results = (await client.query(`${NO_PARALLEL};\n${sql}`)) as unknown as pg.QueryResult<R>[];
  return results[1]!;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The md5 of no text at all: what a table without rows fingerprints to, and what a state hash's
 * digest of no row is (hash.ts).
 */
export const EMPTY_DIGEST = createHash('md5').update('').digest('hex');

/**
 * Row count and an order-independent hash per table, computed on the server so rows never cross
 * the wire. A row's text is `to_jsonb(row)`: its keys are the column names in jsonb's own order,
 * so the hash does not depend on column order (a column added by ALTER TABLE lands last) and
 * duplicated rows change both the count and the hash.
 */
export async function fingerprintTables(
  client: pg.Client,
  trackers: string[],
): Promise<Record<string, DataFingerprint>> {
  const all = (await client.query<TableRow>(dataTablesQuery, [trackers])).rows;
  const sql = fingerprintSql(all);
  return fingerprintsOf(all, sql === undefined ? [] : (await serialRead<FingerprintRow>(client, sql)).rows);
}

export interface TableRow {
  schema: string;
  name: string;
  relkind: string;
  stored: boolean;
}

export interface FingerprintRow {
  i: number;
  rows: string;
  hash: string;
}

/**
 * One statement for every table that can hold a row (a row per table, by its index among them),
 * undefined when none can; the others are known empty. An index instead of the name keeps quoting
 * to identifiers.
 */
export function fingerprintSql(all: TableRow[]): string | undefined {
  const tables = all.filter((table) => table.stored);
  if (tables.length === 0) return undefined;
  return tables
    .map((table, i) => {
      // ONLY: an inheritance parent's own rows. A partitioned table has none of its own, so it
      // is read whole, like the application reads it.
      const only = table.relkind === 'p' ? '' : 'ONLY ';
      return `SELECT ${i} AS i, count(*) AS rows,
  pg_catalog.md5(coalesce(pg_catalog.string_agg(h, '' ORDER BY h COLLATE "C"), '')) AS hash
FROM (SELECT pg_catalog.md5(pg_catalog.to_jsonb(r.*)::text) AS h
      FROM ${only}${quoteIdent(table.schema)}.${quoteIdent(table.name)} r) x`;
    })
    .join('\nUNION ALL\n');
}

/** The tables' fingerprints from `fingerprintSql`'s rows. */
export function fingerprintsOf(all: TableRow[], rows: FingerprintRow[]): Record<string, DataFingerprint> {
  const data: Record<string, DataFingerprint> = {};
  for (const table of all) if (!table.stored) data[`${table.schema}.${table.name}`] = { hash: EMPTY_DIGEST, rows: 0 };
  const tables = all.filter((table) => table.stored);
  for (const row of rows) {
    const table = tables[Number(row.i)];
    if (table === undefined) throw new Error(`fingerprint row ${row.i} has no table`);
    data[`${table.schema}.${table.name}`] = { hash: row.hash, rows: Number(row.rows) };
  }
  return sortKeys(data);
}

/** A tracker table's rows, each as jsonb. */
export function trackerRowsSql(table: { schema: string; name: string }): string {
  return `SELECT pg_catalog.to_jsonb(r.*) AS row FROM ${quoteIdent(table.schema)}.${quoteIdent(table.name)} r`;
}

/** The trackers' rows from each table's `trackerRowsSql` result, in canonical order. */
export function trackersOf(tables: { schema: string; name: string }[], results: { rows: { row: unknown }[] }[]): Record<string, unknown[]> {
  const found: Record<string, unknown[]> = {};
  for (const [i, table] of tables.entries()) {
    const rows = results[i]!.rows.map((r) => sortKeys(r.row));
    // Sorted by canonical text: a tracker's physical row order is not part of its state.
    const keyed = rows.map((row) => [canonicalJson(row), row] as const);
    keyed.sort((a, b) => compareText(a[0], b[0]));
    found[`${table.schema}.${table.name}`] = keyed.map(([, row]) => row);
  }
  return found;
}
