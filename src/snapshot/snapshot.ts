import { createHash } from 'node:crypto';
import type pg from 'pg';
import { catalogQueries, dataTablesQuery, trackerTablesQuery, withTrackers, type CatalogQuery } from './catalog.js';
import { send, serverVersion, statement, withPrepared } from '../postgres/prepared.js';
import { textArray, trackerNames } from './hash.js';
import { canonicalJson, compareText, sortKeys } from './canonical.js';
import { fingerprintSql, fingerprintsOf, READ_ONLY, trackerRowsSql, trackersOf, type FingerprintRow, type TableRow } from './data.js';
import { deparseSql, fillKept, keep, SCOPE_SQL, TableKeys } from './kept-texts.js';
import type { Snapshot, SnapshotObject } from './types.js';

export interface SnapshotOptions {
  /** Qualified names of the runner's tracker tables, e.g. `public.schema_migrations`. */
  trackers?: string[];
}

/**
 * Reads the canonical state of the database `client` is connected to. The client must not be
 * inside a transaction: the snapshot opens its own, so that every catalog read and every data
 * fingerprint sees the same instant. Every kind's query is prepared once on the connection and
 * all run in one round trip (src/postgres/prepared.ts); the data and the trackers in a second.
 */
export async function takeSnapshot(client: pg.Client, options: SnapshotOptions = {}): Promise<Snapshot> {
  const trackers = trackerNames(options.trackers ?? []);
  const version = await serverVersion(client);
  const queries = catalogQueries(version);
  // The trackers' names written into each query (as the state hash does): a statement per set of trackers.
  const named = textArray(trackers);
  const texts = [
    ...queries.map((query) => withTrackers(query.snapshotSql ?? query.sql, named)),
    // Then the tables whose data is fingerprinted, the trackers there are, and what kept index
    // definitions are kept under (kept-texts.ts).
    withTrackers(dataTablesQuery, named),
    withTrackers(trackerTablesQuery, named),
    SCOPE_SQL,
  ];
  const results = await withPrepared(() =>
    send(
      client,
      [READ_ONLY, ...texts.map(statement)],
      { rowMode: 'array' },
    ).catch(async (error: unknown) => {
      if ((error as { code?: string }).code === '26000') throw error;
      // Which kind's query failed is what a report from another server version needs: the
      // queries run again one at a time to say.
      throw (await locate(client, queries, named)) ?? error;
    }),
  );
  try {
    // The rows of each EXECUTE, in the order sent: the last results, one per query. Rows come as
    // arrays, and each kind's attributes are put in key order once for all its rows.
    const selected = results.filter((result) => result.command === 'SELECT').slice(-texts.length);
    const [tableList, trackerList, scopeRows] = selected.slice(queries.length).map((result) => objectsOf(result)) as [
      TableRow[],
      { schema: string; name: string }[],
      { scope: string }[],
    ];
    const entries: [string, SnapshotObject][] = [];
    // Index definitions the snapshot may know already, and the tables' keys from their columns.
    const pending: { object: SnapshotObject; rows: string; table: string }[] = [];
    const tableKeys = new TableKeys();
    for (const [i, result] of selected.slice(0, queries.length).entries()) {
      const kind = queries[i]!.kind;
      const names = result.fields.map((field) => field.name);
      const path = names.indexOf('path');
      // Hidden columns (kept-texts.ts): an index's own rows, or a column's part of its table's key.
      const rows = names.indexOf('~rows');
      const tableRows = names.indexOf('~tableRows');
      const table = names.indexOf('table');
      const order = [...names.map((name, index) => [name, index] as const).filter(([name]) => name !== 'path' && !name.startsWith('~')), ['kind', -1] as const].sort(
        (a, b) => compareText(a[0], b[0]),
      );
      const keys = order.map(([name]) => name);
      const columns = order.map(([, index]) => index);
      for (const row of result.rows as unknown as unknown[][]) {
        const object: Record<string, unknown> = {};
        for (let k = 0; k < keys.length; k++) {
          const column = columns[k]!;
          object[keys[k]!] = column < 0 ? kind : canonical(row[column]);
        }
        entries.push([row[path] as string, object as SnapshotObject]);
        if (tableRows >= 0) tableKeys.add(row[table] as string, row[tableRows] as string);
        if (rows >= 0 && row[rows] !== null) pending.push({ object: object as SnapshotObject, rows: row[rows] as string, table: row[table] as string });
      }
    }
    const missing = fillKept(scopeRows[0]!.scope, pending, tableKeys);
    // The definitions not kept, the data and the trackers' rows in a second round trip, which
    // ends the transaction.
    const fingerprints = fingerprintSql(tableList);
    const rest = await client.query(
      [...(missing.length > 0 ? [deparseSql(missing)] : []), ...(fingerprints ? [fingerprints] : []), ...trackerList.map(trackerRowsSql), 'COMMIT'].join(';\n'),
    );
    const read = (Array.isArray(rest) ? rest : [rest]) as pg.QueryResult[];
    if (missing.length > 0) keep(missing, read.shift()!.rows as { oid: string; definition: string | null }[]);
    const data = fingerprintsOf(tableList, fingerprints ? (read[0]!.rows as FingerprintRow[]) : []);
    const trackerRows = trackersOf(trackerList, read.slice(fingerprints ? 1 : 0) as unknown as { rows: { row: unknown }[] }[]);
    return {
      format: 2,
      postgres: { major: Math.floor(version / 10000), versionNum: version },
      // Each object's keys are sorted already: only the paths are.
      objects: byPath(entries),
      data,
      trackers: sortKeys(trackerRows),
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The rows of a result read as arrays, as objects. */
function objectsOf(result: pg.QueryResult): Record<string, unknown>[] {
  const names = result.fields.map((field) => field.name);
  return (result.rows as unknown as unknown[][]).map((row) => Object.fromEntries(names.map((name, i) => [name, row[i]])));
}

/** An attribute's value with its keys sorted, where it has keys (a json or jsonb value). */
function canonical(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? sortKeys(value) : value;
}

/** The objects by path, in path order; two objects with one path are a bug of a kind's query. */
function byPath(entries: [string, SnapshotObject][]): Record<string, SnapshotObject> {
  entries.sort((a, b) => compareText(a[0], b[0]));
  const objects: Record<string, SnapshotObject> = {};
  for (const [i, [path, object]] of entries.entries()) {
    if (i > 0 && entries[i - 1]![0] === path) throw new Error(`snapshot: two objects have the path ${path}`);
    objects[path] = object;
  }
  return objects;
}

/** The first kind whose query fails alone, its error naming the kind; undefined when none does. */
async function locate(client: pg.Client, queries: CatalogQuery[], named: string): Promise<Error | undefined> {
  try {
    await client.query(READ_ONLY);
    for (const query of queries) {
      const failed = await client.query(withTrackers(query.snapshotSql ?? query.sql, named)).then(
        () => undefined,
        (error: unknown) => error,
      );
      if (failed instanceof Error) {
        failed.message = `snapshot: reading ${query.kind} objects: ${failed.message}`;
        return failed;
      }
    }
    return undefined;
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

/**
 * sha256 of the canonical JSON: equal hashes mean equal snapshots, schema, data and trackers. The
 * server's version is not the state's: two states on one server are equal by content alone.
 */
export function snapshotHash(snapshot: Snapshot): string {
  const { postgres: _server, ...state } = snapshot;
  return createHash('sha256').update(canonicalJson(state)).digest('hex');
}
