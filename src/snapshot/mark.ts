import { createHash } from 'node:crypto';
import type pg from 'pg';
import { userRelation } from './catalog/sql.js';
import { catalogVersion } from './catalog/versions.js';
import { NO_PARALLEL, quoteIdent } from './data.js';
import { literal, rawCatalogRows, rawRowsDigest, SEQUENCES_SQL, SHARED_CATALOG_ROWS, textArray, trackerRowsDigest, trackerHashOf, trackerNames } from './hash.js';

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
  n: string;
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
 * One repeatable-read transaction: the snapshot, the relations, then their counts. A relation
 * holding a row version that `since` (a marked snapshot; for a new mark, its own) did not see
 * counts `unseen`: a mark and a later check of it run the same statements, prepared once on a
 * connection kept for them. A row's xmin is 32 bits; its full transaction id is the one below the
 * current snapshot's xmax with those low bits (every row of a state read here was written less
 * than 2^32 transactions ago).
 */
async function read(client: pg.Client, options: MarkOptions, since: string | undefined): Promise<StateMark> {
  const trackers = textArray(trackerNames(options.trackers ?? []));
  await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT pg_catalog.set_config('search_path', '', true);
SELECT pg_catalog.set_config('plan_cache_mode', 'force_generic_plan', true);
${NO_PARALLEL}`);
  try {
    // The head and the tables in one statement: every row carries the head (the LEFT JOIN keeps one
    // row when there is no table).
    const listed = (
      await prepared<{ v: string; s: string; top: string; h: string; oid: string | null; schema: string; name: string; tracker: boolean; stored: boolean }>(
        client,
        `SELECT h.v, h.s, h.top, h.h, t.oid::text AS oid, t.schema, t.name, t.tracker, t.stored
FROM (SELECT pg_catalog.current_setting('server_version_num') AS v, pg_catalog.pg_current_snapshot()::text AS s,
  pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot())::text AS top, (${SEQUENCES_SQL}) AS h) h
LEFT JOIN LATERAL (
  SELECT c.oid, n.nspname AS schema, c.relname AS name, (n.nspname || '.' || c.relname) = ANY (${trackers}) AS tracker,
    pg_catalog.pg_relation_size(c.oid) > 0 AS stored
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND ${userRelation('c', 'n')}
) t ON true
ORDER BY t.oid`,
      )
    ).rows;
    const head = listed[0]!;
    const tables = listed.filter((t): t is typeof t & { oid: string } => t.oid !== null);
    const catalogs: Relation[] = [
      // The catalog rows the raw digest reads, by contents (not a dropped column's row, which
      // stays); or counted among all the database's own rows of the catalog, a superset that needs
      // no per-row test to find (the rows RAW_ROWS leaves out come and go with their objects).
      ...rawCatalogRows(catalogVersion(Number(head.v))).map(({ name, from, all }) =>
        BY_CONTENTS.has(name) ? { key: `c:${name}`, from, contents: true } : { key: `c:${name}`, from: all },
      ),
      ...SHARED_CATALOG_ROWS.map(({ name, from }) => ({ key: `c:${name}`, from })),
    ];
    // A table without a page has no row: it counts 0 without a read. ONLY: a parent's own rows
    // (its children are tables of their own here). The trackers by their rows' contents.
    const volatile = textArray(options.volatile ?? []);
    const stored = tables.filter((t) => !t.tracker && t.stored).map((t) => ({ key: `t:${t.oid}`, from: `ONLY ${quoteIdent(t.schema)}.${quoteIdent(t.name)} r` }));
    const trackerRows = tables.filter((t) => t.tracker).map((t) => `SELECT ${literal(`k:${t.schema}.${t.name}`)} AS k, ${trackerRowsDigest(t, volatile)} AS c, 0::pg_catalog.int8 AS n`);
    // A row is unseen when its xmin is at or after the snapshot's xmin ($1, as a 32-bit xid) and
    // either at or after its xmax ($2) or, in between, not visible in it ($3; $4: the current
    // snapshot's xmax, to make xmin a full transaction id). age() compares 32-bit xids across
    // wraparound, and cheaply: the exact test runs only for rows between the two, which only
    // other transactions running at the mark put there.
    const unseen = `pg_catalog.count(*) FILTER (WHERE pg_catalog.age(r.xmin) <= pg_catalog.age($1::pg_catalog.xid)
      AND (pg_catalog.age(r.xmin) <= pg_catalog.age($2::pg_catalog.xid) OR NOT pg_catalog.pg_visible_in_snapshot(
        ($4::pg_catalog.int8 - (($4::pg_catalog.int8 - r.xmin::text::pg_catalog.int8) % 4294967296 + 4294967296) % 4294967296)::text::pg_catalog.xid8,
        $3::pg_catalog.pg_snapshot)))`;
    const count = ({ key, from, contents }: Relation): string =>
      contents
        ? `SELECT ${literal(key)} AS k, ${rawRowsDigest(key.slice(2), from)} AS c, 0::pg_catalog.int8 AS n`
        : `SELECT ${literal(key)} AS k, pg_catalog.count(*)::text AS c, ${unseen} AS n FROM ${from}`;
    const judged = since ?? head.s;
    // `xmin:xmax:xip,…`
    const [low, high] = judged.split(':').slice(0, 2).map((x) => String(BigInt(x) % 4294967296n));
    const values = [low!, high!, judged, head.top];
    const rows = [...(await prepared<Counted>(client, catalogs.map(count).join('\nUNION ALL\n'), values)).rows];
    const rest = [...stored.map(count), ...trackerRows];
    // (Only the tables' counts take the parameters.)
    if (rest.length > 0) rows.push(...(await prepared<Counted>(client, rest.join('\nUNION ALL\n'), stored.length > 0 ? values : [])).rows);
    // A read-only transaction's end: nothing waits for it (the connection's next query queues behind it).
    void client.query('COMMIT').catch(() => undefined);
    const counts: Record<string, string> = {};
    for (const t of tables) if (!t.tracker && !t.stored) counts[`t:${t.oid}`] = '0';
    const trackerDigests: { name: string; h: string }[] = [];
    for (const row of rows) {
      if (row.k.startsWith('k:')) trackerDigests.push({ name: row.k.slice(2), h: row.c });
      else counts[row.k] = Number(row.n) > 0 ? 'unseen' : row.c;
    }
    return { snapshot: since ?? head.s, counts, trackers: trackerHashOf(trackerDigests), sequences: head.h };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * A query as a statement prepared on this connection, by its text: a walk reads the same catalogs'
 * counts at every state, and their parsing and planning were most of a mark's cost.
 */
function prepared<R extends pg.QueryResultRow>(client: pg.Client, text: string, values: string[] = []): Promise<pg.QueryResult<R>> {
  const name = `migtest_mark_${createHash('md5').update(text).digest('hex')}`;
  return client.query<R>({ name, text, values });
}
