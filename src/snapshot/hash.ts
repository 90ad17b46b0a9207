import { createHash } from 'node:crypto';
import type pg from 'pg';
import { catalogQueries, dataTablesQuery, trackerTablesQuery } from './catalog.js';
import { quoteIdent } from './data.js';

/** Hashes of a state's three parts, computed on the server: equal hashes, equal snapshots. */
export interface StateHash {
  /** Schema objects. */
  schema: string;
  /** Per-table data fingerprints. */
  data: string;
  /** Tracker rows without their volatile columns. */
  trackers: string;
  /** Schema and data: what a fault's promise is about. */
  schemaData: string;
  /** Everything: what the next run's behaviour depends on. */
  all: string;
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function textArray(values: string[]): string {
  return `${literal(`{${values.map((v) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`)}::text[]`;
}

function md5(...parts: string[]): string {
  return createHash('md5').update(parts.join('|')).digest('hex');
}

const byPath = 'ORDER BY q.path COLLATE "C"';

/**
 * The fast equality path: the same catalog queries and data fingerprints as a snapshot, reduced
 * to hashes on the server in three round trips, so nothing but 32-character strings crosses the
 * wire. Used to compare states; the full snapshot is read only to explain a difference.
 */
export async function stateHash(client: pg.Client, options: { trackers?: string[]; volatile?: string[] } = {}): Promise<StateHash> {
  const trackers = textArray((options.trackers ?? []).map((t) => (t.includes('.') ? t : `public.${t}`)));
  await client.query(
    `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_catalog.set_config('search_path', '', true)`,
  );
  try {
    const version = Number(
      (await client.query<{ v: string }>(`SELECT pg_catalog.current_setting('server_version_num') AS v`)).rows[0]!.v,
    );
    const catalog = catalogQueries(version)
      .map(
        (query) =>
          `SELECT ${literal(query.kind)} AS k, pg_catalog.md5(coalesce(pg_catalog.string_agg(q::text, E'\\n' ${byPath}), '')) AS h
FROM (${query.sql.replaceAll('$1::text[]', trackers)}) q`,
      )
      .join('\nUNION ALL\n');
    const [hashes, tables, trackerTables] = (await client.query(
      [
        `SELECT pg_catalog.md5(pg_catalog.string_agg(k || ':' || h, ',' ORDER BY k)) AS h FROM (${catalog}) x`,
        dataTablesQuery.replaceAll('$1::text[]', trackers),
        trackerTablesQuery.replaceAll('$1::text[]', trackers),
      ].join(';\n'),
    )) as unknown as [pg.QueryResult<{ h: string }>, pg.QueryResult<{ schema: string; name: string; relkind: string }>, pg.QueryResult<{ schema: string; name: string }>];

    const volatile = textArray(options.volatile ?? []);
    const parts = [
      ...tables.rows.map(
        (t) => `SELECT 'd' AS part, ${literal(`${t.schema}.${t.name}`)} AS name, count(*)::text || ':' ||
  pg_catalog.md5(coalesce(pg_catalog.string_agg(h, '' ORDER BY h COLLATE "C"), '')) AS h
FROM (SELECT pg_catalog.md5(pg_catalog.to_jsonb(r.*)::text) AS h FROM ${t.relkind === 'p' ? '' : 'ONLY '}${quoteIdent(t.schema)}.${quoteIdent(t.name)} r) x`,
      ),
      ...trackerTables.rows.map(
        (t) => `SELECT 't' AS part, ${literal(`${t.schema}.${t.name}`)} AS name,
  pg_catalog.md5(coalesce(pg_catalog.string_agg(h, '' ORDER BY h COLLATE "C"), '')) AS h
FROM (SELECT pg_catalog.md5((pg_catalog.to_jsonb(r.*) - ${volatile})::text) AS h FROM ${quoteIdent(t.schema)}.${quoteIdent(t.name)} r) x`,
      ),
    ];
    let data = '';
    let trackerHash = '';
    if (parts.length > 0) {
      const rows = (await client.query<{ part: string; name: string; h: string }>(parts.join('\nUNION ALL\n'))).rows;
      rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      data = md5(...rows.filter((r) => r.part === 'd').map((r) => `${r.name}=${r.h}`));
      trackerHash = md5(...rows.filter((r) => r.part === 't').map((r) => `${r.name}=${r.h}`));
    }
    await client.query('COMMIT');
    const schema = hashes.rows[0]!.h;
    return { schema, data, trackers: trackerHash, schemaData: md5(schema, data), all: md5(schema, data, trackerHash) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
