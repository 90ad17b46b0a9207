import { createHash } from 'node:crypto';
import type pg from 'pg';
import { userRelation } from './catalog/sql.js';
import { catalogVersion } from './catalog/versions.js';
import { NO_PARALLEL, quoteIdent } from './data.js';
import { literal, rawCatalogRows, rawRowsDigest, SEQUENCES_SQL, SHARED_CATALOG_ROWS, textArray, trackerDigestSql, trackerHashOf, trackerNames } from './hash.js';

/**
 * A state as row versions, not contents: the server's snapshot when it was read, and how many
 * rows each relation the raw digest reads held then (the catalogs' rows it reads, every user
 * table's rows), with the trackers' and the sequences' digests (trackers are rewritten by every
 * run, sequences are changed in place).
 *
 * A row version never changes once written: an UPDATE writes a new one, a DELETE ends it. So if
 * later, in the same database or a copy of it (a copy keeps the row versions), every such relation
 * holds only row versions the mark's snapshot already saw, and as many as it held, it holds the very
 * rows it held: the state is the marked one, and its raw digest the marked state's. That costs
 * counts, not a digest of every row: a step that undoes exactly what was made after the mark (a
 * down that drops what its up created, a rolled-back block) is proved so. A step that makes or
 * changes a row, even back to the same values, is not proved by a mark, only not proved: the
 * caller compares digests then.
 *
 * The server changes a few catalog columns in place (pg_class's statistics and has-flags, frozen
 * xids): none of them is read by the raw digest (hash.ts, RAW_ROWS).
 */
export interface StateMark {
  /** `pg_current_snapshot()` when the mark was read. */
  snapshot: string;
  /**
   * Rows per relation: `c:<catalog>` for a catalog's rows the raw digest reads (their digest for
   * BY_CONTENTS), `t:<oid>` for a user table.
   */
  counts: Record<string, string>;
  trackers: string;
  sequences: string;
}

export interface MarkOptions {
  trackers?: string[];
  volatile?: string[];
}

interface Relation {
  key: string;
  from: string;
  /** Compared by the raw digest of its rows, not by row versions. */
  contents?: boolean;
}

/**
 * Catalogs compared by their rows' contents (as the raw digest reads them), not their versions:
 * those whose rows of existing objects an ALTER rewrites and its undoing writes back with the same
 * contents (a column added to an earlier table and dropped again leaves the table's pg_class row a
 * new version; a tool that empties its tracker with TRUNCATE gives it new storage, so a new
 * pg_class row, at every run). Few rows, cheap to digest; and a later state would otherwise never
 * be proved by its mark again, since such a row version stays.
 */
const BY_CONTENTS = new Set(['pg_class', 'pg_attribute', 'pg_constraint']);

interface Counted {
  k: string;
  c: string;
  /** Rows whose version the mark's snapshot did not see. */
  n?: string;
}

/** Reads the mark of the state `client`'s database holds now. */
export async function markState(client: pg.Client, options: MarkOptions = {}): Promise<StateMark> {
  return read(client, options, undefined);
}

/**
 * Whether the database holds exactly the row versions `mark` counted (and the same trackers and
 * sequences): then it is the marked state. False says only that it could not be proved so.
 */
export async function markHolds(client: pg.Client, mark: StateMark, options: MarkOptions = {}): Promise<boolean> {
  const now = await read(client, options, mark.snapshot);
  return now.sequences === mark.sequences && now.trackers === mark.trackers && sameCounts(now.counts, mark.counts);
}

function sameCounts(now: Record<string, string>, marked: Record<string, string>): boolean {
  const keys = Object.keys(now);
  if (keys.length !== Object.keys(marked).length) return false;
  // `now` holds `unseen` where a relation has a row version the marked snapshot did not see.
  return keys.every((key) => now[key] === marked[key]);
}

/**
 * One repeatable-read transaction: the relations and the snapshot, then every count in one query.
 * With `since` (a marked snapshot), a relation holding a row version that snapshot did not see
 * counts `unseen`. A row's xmin is 32 bits; its full transaction id is the one below the current
 * snapshot's xmax with those low bits (every row of a state read here was written less than 2^32
 * transactions ago).
 */
async function read(client: pg.Client, options: MarkOptions, since: string | undefined): Promise<StateMark> {
  const trackers = textArray(trackerNames(options.trackers ?? []));
  try {
    const results = (await client.query(
      `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT pg_catalog.set_config('search_path', '', true);
SELECT pg_catalog.set_config('plan_cache_mode', 'force_generic_plan', true);
${NO_PARALLEL};
SELECT pg_catalog.current_setting('server_version_num') AS v, pg_catalog.pg_current_snapshot()::text AS s,
  pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot())::text AS top;
SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name, (n.nspname || '.' || c.relname) = ANY (${trackers}) AS tracker,
  pg_catalog.pg_relation_size(c.oid) > 0 AS stored
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND ${userRelation('c', 'n')};
${SEQUENCES_SQL}`,
    )) as unknown as pg.QueryResult[];
    const head = results[4]!.rows[0] as { v: string; s: string; top: string };
    const tables = results[5]!.rows as { oid: string; schema: string; name: string; tracker: boolean; stored: boolean }[];
    const sequences = (results[6]!.rows[0] as { h: string }).h;
    const catalogs: Relation[] = [
      // The catalog rows the raw digest reads: not a dropped column's row, which stays.
      ...rawCatalogRows(catalogVersion(Number(head.v))).map(({ name, from }) => ({ key: `c:${name}`, from, contents: BY_CONTENTS.has(name) })),
      ...SHARED_CATALOG_ROWS.map(({ name, from }) => ({ key: `c:${name}`, from })),
    ];
    // A table without a page has no row: it counts 0 without a read. ONLY: a parent's own rows
    // (its children are tables of their own here).
    const stored: Relation[] = tables.filter((t) => !t.tracker && t.stored).map((t) => ({ key: `t:${t.oid}`, from: `ONLY ${quoteIdent(t.schema)}.${quoteIdent(t.name)} r` }));
    // $1: the current snapshot's xmax, $2: the marked snapshot.
    const unseen = since === undefined ? '' : `, pg_catalog.count(*) FILTER (WHERE NOT pg_catalog.pg_visible_in_snapshot(
      ($1::pg_catalog.int8 - (($1::pg_catalog.int8 - r.xmin::text::pg_catalog.int8) % 4294967296 + 4294967296) % 4294967296)::text::pg_catalog.xid8, $2::pg_catalog.pg_snapshot)) AS n`;
    const countsSql = (relations: Relation[]): string =>
      relations
        .map(({ key, from, contents }) =>
          contents
            ? `SELECT ${literal(key)} AS k, ${rawRowsDigest(key.slice(2), from)} AS c${since === undefined ? '' : ', 0::pg_catalog.int8 AS n'}`
            : `SELECT ${literal(key)} AS k, pg_catalog.count(*)::text AS c${unseen} FROM ${from}`,
        )
        .join('\nUNION ALL\n');
    const values = since === undefined ? [] : [head.top, since];
    const countRows = [
      ...(await prepared<Counted>(client, countsSql(catalogs), values)).rows,
      ...(stored.length > 0 ? (await prepared<Counted>(client, countsSql(stored), values)).rows : []),
    ];
    const trackerTables = tables.filter((t) => t.tracker);
    const last = (await client.query(
      [...(trackerTables.length > 0 ? [trackerTables.map((t) => trackerDigestSql(t, textArray(options.volatile ?? []))).join('\nUNION ALL\n')] : []), 'COMMIT'].join(';\n'),
    )) as unknown as pg.QueryResult | pg.QueryResult[];
    const trackerRows = trackerTables.length > 0 ? ((last as pg.QueryResult[])[0]!.rows as { name: string; h: string }[]) : [];
    const result: Record<string, string> = {};
    for (const t of tables) if (!t.tracker && !t.stored) result[`t:${t.oid}`] = '0';
    for (const row of countRows) result[row.k] = row.n !== undefined && Number(row.n) > 0 ? 'unseen' : row.c;
    return { snapshot: head.s, counts: result, trackers: trackerHashOf(trackerRows), sequences };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * A query as a statement prepared on this connection, by its text: a walk reads the same catalogs'
 * counts at every state, and their parsing and planning were most of a mark's cost.
 */
function prepared<R extends pg.QueryResultRow>(client: pg.Client, text: string, values: string[]): Promise<pg.QueryResult<R>> {
  const name = `migtest_mark_${createHash('md5').update(text).digest('hex')}`;
  return client.query<R>({ name, text, values });
}
