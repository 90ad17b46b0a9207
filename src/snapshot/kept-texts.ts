import type { SnapshotObject } from './types.js';

/**
 * Index definitions the snapshot has read before, kept by the catalog rows they were deparsed
 * from. pg_get_indexdef is most of a snapshot's server time on a wide schema (25 of 140 ms for
 * 1,521 indexes), and a snapshot of a database read before, or of a copy of one (a kept state's
 * template), reads the same definitions again.
 *
 * A catalog row is named by its OID (or relation and column number) and the transaction that
 * wrote it (`xmin`). Transaction ids are the server's, not a database's: a row visible under one
 * name holds the same values in every database of the server, since only a copy of a database
 * (CREATE DATABASE … TEMPLATE) holds rows another wrote, and a transaction's rows are seen by
 * others only as it left them. A frozen row keeps its xmin. So a definition is kept under:
 * - the server: its start time and port (a server started again, or another one, keeps nothing);
 * - every row of pg_opclass, pg_collation, pg_am, pg_namespace and pg_cast (which operator class is
 *   the default, and how a class, collation, method or schema is named);
 * - the index's pg_index and pg_class rows, its table's pg_class row, and the pg_attribute rows of
 *   the table's columns (a column renamed writes its row again and nothing else).
 * Only indexes on a table's columns alone are kept (catalog/index.ts); the others are deparsed by
 * every read, as before. The server deparses with its current catalogs where the snapshot reads
 * its own instant (as pg_dump does): migtest reads a state while nothing changes it.
 */

/** What the snapshot's definitions are kept under on this server, read in the snapshot's transaction. */
export const SCOPE_SQL = `
SELECT pg_catalog.pg_postmaster_start_time()::text || ' ' || pg_catalog.current_setting('port') || ' '
  || pg_catalog.md5(pg_catalog.string_agg(x, ' ')) AS scope
FROM (SELECT 'o' || oid || ':' || xmin AS x FROM pg_catalog.pg_opclass
      UNION ALL SELECT 'c' || oid || ':' || xmin FROM pg_catalog.pg_collation
      UNION ALL SELECT 'a' || oid || ':' || xmin FROM pg_catalog.pg_am
      UNION ALL SELECT 'n' || oid || ':' || xmin FROM pg_catalog.pg_namespace
      UNION ALL SELECT 'k' || oid || ':' || xmin FROM pg_catalog.pg_cast) s`;

/**
 * Kept definitions by scope, then by table key, then by the index's own rows: a table's key is one
 * string for all its indexes, hashed once per snapshot, where a key joining the three was built
 * and hashed again for every index (3 ms of a snapshot for 1,000 indexes).
 */
const KEPT = new Map<string, Map<string, Map<string, string>>>();
let keptCount_ = 0;

/** Past this many definitions, all are forgotten. */
const BOUND = 100_000;

/** An index whose definition the snapshot left out: its object, OID, and what it is kept under. */
export interface Pending {
  object: SnapshotObject;
  oid: string;
  texts: Map<string, string>;
  rows: string;
}

/**
 * The tables' keys from their columns' rows (`~tableRows` of the column query): one string per table
 * naming every column's pg_attribute row, in the order read.
 */
export class TableKeys {
  readonly #keys = new Map<string, string>();

  add(table: string, rows: string): void {
    const known = this.#keys.get(table);
    this.#keys.set(table, known === undefined ? rows : `${known} ${rows}`);
  }

  of(table: string): string {
    return this.#keys.get(table) ?? '';
  }
}

/**
 * Fills in each pending definition that is kept under `scope`; returns the others, whose
 * definitions the server must deparse (deparseSql) and the snapshot then keeps (keep).
 */
export function fillKept(scope: string, pending: { object: SnapshotObject; rows: string; table: string }[], tables: TableKeys): Pending[] {
  let byTable = KEPT.get(scope);
  if (!byTable) KEPT.set(scope, (byTable = new Map()));
  const missing: Pending[] = [];
  for (const { object, rows, table } of pending) {
    const key = tables.of(table);
    let texts = byTable.get(key);
    if (!texts) byTable.set(key, (texts = new Map()));
    const text = texts.get(rows);
    if (text === undefined) missing.push({ object, oid: rows.slice(0, rows.indexOf(':')), texts, rows });
    else object.definition = text;
  }
  return missing;
}

/** The statement that deparses the missing definitions: rows (oid, definition). */
export function deparseSql(missing: Pending[]): string {
  return `SELECT o::text AS oid, pg_catalog.pg_get_indexdef(o) AS definition
FROM pg_catalog.unnest('{${missing.map((m) => m.oid).join(',')}}'::pg_catalog.oid[]) o`;
}

/**
 * Fills in the deparsed definitions and keeps them. The server deparses with its current catalogs:
 * an index dropped since the snapshot's instant has none (NULL, as a snapshot without kept
 * definitions reads it), and that is not kept.
 */
export function keep(missing: Pending[], rows: { oid: string; definition: string | null }[]): void {
  const byOid = new Map(rows.map((row) => [row.oid, row.definition]));
  for (const m of missing) {
    const text = byOid.get(m.oid);
    if (text === undefined) throw new Error(`snapshot: index ${m.oid} was not deparsed`);
    m.object.definition = text;
    if (text === null) continue;
    m.texts.set(m.rows, text);
    if (++keptCount_ > BOUND) forgetKept();
  }
}

/** How many definitions are kept (tests). */
export function keptCount(): number {
  return keptCount_;
}

/** Forgets every kept definition (past the bound; tests and the bench: a snapshot that deparses everything). */
export function forgetKept(): void {
  KEPT.clear();
  keptCount_ = 0;
}
