import type pg from 'pg';
import { compareText } from './canonical.js';
import { quoteIdent, serialRead } from './data.js';
import type { TableRef } from './relaxed.js';

/** Per qualified table, per column: an order-independent digest of the column's values. */
export type ColumnDigests = Record<string, Record<string, string>>;

/**
 * The multiset of each column's values, as a digest, for every table: two runs that put the same
 * values in a column, in whatever rows, give equal digests. Columns are the keys of
 * `to_jsonb(row)`, so every column is read without naming it; an empty table has none.
 */
export async function columnDigests(client: pg.Client, tables: TableRef[]): Promise<ColumnDigests> {
  const digests: ColumnDigests = {};
  for (const t of tables) digests[`${t.schema}.${t.name}`] = {};
  if (tables.length === 0) return digests;
  const sql = tables
    .map(
      (t, i) => `SELECT ${i} AS i, e.key AS c,
  pg_catalog.md5(pg_catalog.string_agg(pg_catalog.md5(e.value::text), '' ORDER BY pg_catalog.md5(e.value::text) COLLATE "C")) AS h
FROM ${t.relkind === 'p' ? '' : 'ONLY '}${quoteIdent(t.schema)}.${quoteIdent(t.name)} x, pg_catalog.jsonb_each(pg_catalog.to_jsonb(x.*)) e
GROUP BY e.key`,
    )
    .join('\nUNION ALL\n');
  const result = await serialRead<{ i: number; c: string; h: string }>(client, sql);
  for (const row of result.rows) {
    const t = tables[row.i]!;
    digests[`${t.schema}.${t.name}`]![row.c] = row.h;
  }
  return digests;
}

/**
 * The columns whose values differ between two states, per table present in both (a column on one
 * side only differs). Tables on one side only are left out: nothing says how their values vary.
 */
export function differingColumns(a: ColumnDigests, b: ColumnDigests): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [table, columns] of Object.entries(a)) {
    const other = b[table];
    if (other === undefined) continue;
    const names = new Set([...Object.keys(columns), ...Object.keys(other)]);
    out[table] = [...names].filter((c) => columns[c] !== other[c]).sort(compareText);
  }
  return out;
}
