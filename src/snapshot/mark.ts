import type pg from 'pg';
import { userRelation } from './catalog/sql.js';
import { catalogVersion } from './catalog/versions.js';
import { quoteIdent, READ_ONLY } from './data.js';
import { send, statement, withPrepared } from '../postgres/prepared.js';
import { literal, rawCatalogRows, rawRowsDigest, SHARED_CATALOG_ROWS, textArray, trackerRowsDigest, trackerHashOf, trackerNames } from './hash.js';

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
  /** What a check of the mark reads again: the server's version and the tables there were. */
  shape: Shape;
}

interface Shape {
  /** `server_version_num`. */
  v: number;
  tables: Listed[];
}

interface Listed {
  oid: string;
  schema: string;
  name: string;
  tracker: boolean;
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

/** Reads the mark of the state `client`'s database holds now. */
export async function markState(client: pg.Client, options: MarkOptions = {}): Promise<StateMark> {
  return withPrepared(async () => {
    const listed = await begin(client, listing(options));
    const shape: Shape = { v: Number(listed.v), tables: listed.tables };
    const read = await counts(client, options, shape, listed.s, false);
    return { snapshot: listed.s, ...read, sequences: listed.h, shape };
  });
}

/**
 * Whether the database holds exactly the row versions `mark` counted (and the same trackers and
 * sequences): then it is the marked state. False says only that it could not be proved so.
 * `sequences: false`: where the sequences stand is left out (nextval is not undone by anything).
 */
export async function markHolds(client: pg.Client, mark: StateMark, options: MarkOptions & { sequences?: boolean } = {}): Promise<boolean> {
  return withPrepared(async () => {
    // One round trip: the transaction, the sequences and every count, of the relations the mark
    // counted. A table of the mark that is gone fails its statement: the state is not the mark's.
    const now = await counts(client, options, mark.shape, mark.snapshot, true).catch((error: unknown) => {
      if (GONE.has((error as { code?: string }).code ?? '')) return undefined;
      throw error;
    });
    const sequences = options.sequences === false || now?.sequences === mark.sequences;
    return now !== undefined && sequences && now.trackers === mark.trackers && sameCounts(now.counts, mark.counts);
  });
}

/** A relation of a prepared statement dropped (42P01), or a column it reads (42703). */
const GONE = new Set(['42P01', '42703']);

function sameCounts(now: Record<string, string>, marked: Record<string, string>): boolean {
  const keys = Object.keys(now);
  if (keys.length !== Object.keys(marked).length) return false;
  // `now` holds `unseen` where a relation has a row version the marked snapshot did not see.
  return keys.every((key) => now[key] === marked[key]);
}

/**
 * Where every sequence stands, by OID (a mark is compared within one database's lineage): what
 * hash.ts's SEQUENCES_SQL reads through pg_sequences, without the view's joins. A sequence the connection
 * may not read stands nowhere (as in the view).
 */
const SEQUENCES = `SELECT pg_catalog.md5(coalesce(pg_catalog.string_agg(c.oid::text || '=' || coalesce(CASE WHEN pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE')
  THEN pg_catalog.pg_sequence_last_value(c.oid) END::text, '-'), ',' ORDER BY c.oid), '')) AS h
FROM pg_catalog.pg_class c WHERE c.relkind = 'S' AND c.relpersistence <> 't'`;

/** The server's version, the snapshot, the sequences and the user tables (ordinary ones). */
function listing(options: MarkOptions): string {
  const trackers = textArray(trackerNames(options.trackers ?? []));
  return `SELECT pg_catalog.current_setting('server_version_num') AS v, pg_catalog.pg_current_snapshot()::text AS s, (${SEQUENCES}) AS h,
  coalesce(pg_catalog.json_agg(pg_catalog.json_build_object('oid', t.oid::text, 'schema', t.schema, 'name', t.name, 'tracker', t.tracker) ORDER BY t.oid), '[]') AS tables
FROM (
  SELECT c.oid, n.nspname AS schema, c.relname AS name, (n.nspname || '.' || c.relname) = ANY (${trackers}) AS tracker
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND ${userRelation('c', 'n')}
) t`;
}

/** Opens the transaction and reads the listing, in one round trip. */
async function begin(client: pg.Client, text: string): Promise<{ v: string; s: string; h: string; tables: Listed[] }> {
  const results = await send(client, [READ_ONLY, statement(text)]);
  return results[results.length - 1]!.rows[0] as { v: string; s: string; h: string; tables: Listed[] };
}

/**
 * The counts of the catalogs' rows and of `shape`'s tables, and the trackers' digests, then the end
 * of the transaction, in one round trip (a `check` opens its transaction and reads the sequences
 * in it too; a new mark's were opened and read by `begin`). A relation holding a row version that `since` (a marked snapshot;
 * for a new mark, its own) did not see counts `unseen`: a mark and a later check of it run the
 * same statements. Each is prepared once on the connection (a kept one: a walk reads the same
 * relations at every state, and their parsing and planning were most of a mark's cost) and run by
 * SQL `EXECUTE`, so that any number of them go in one round trip; a table has a statement of its
 * own, so that a migration that adds or alters a table leaves the other tables' plans valid.
 * Trackers are read anew each time: a tool that empties its tracker with TRUNCATE would make any
 * plan of it stale at every run. A row's xmin is 32 bits; its full transaction id is the one below
 * `since`'s xmax with those low bits (every row of a state read here was written less than 2^32
 * transactions ago).
 */
async function counts(
  client: pg.Client,
  options: MarkOptions,
  shape: Shape,
  since: string,
  check: boolean,
): Promise<{ counts: Record<string, string>; trackers: string; sequences: string }> {
  const catalogs: Relation[] = [
    // The catalog rows the raw digest reads, by contents (not a dropped column's row, which
    // stays); or counted among all the database's own rows of the catalog, a superset that needs
    // no per-row test to find (the rows RAW_ROWS leaves out come and go with their objects).
    ...rawCatalogRows(catalogVersion(shape.v)).map(({ name, from, all }) =>
      BY_CONTENTS.has(name) ? { key: `c:${name}`, from, contents: true } : { key: `c:${name}`, from: all },
    ),
    ...SHARED_CATALOG_ROWS.map(({ name, from }) => ({ key: `c:${name}`, from })),
  ];
  // ONLY: a parent's own rows (its children are tables of their own here).
  const tables = shape.tables.filter((t) => !t.tracker).map((t) => ({ key: `t:${t.oid}`, from: `ONLY ${quoteIdent(t.schema)}.${quoteIdent(t.name)} r` }));
  const volatile = textArray(options.volatile ?? []);
  const trackerRows = shape.tables
    .filter((t) => t.tracker)
    .map((t) => `SELECT ${literal(`k:${t.schema}.${t.name}`)} AS k, ${trackerRowsDigest(t, volatile)} AS c, 0::pg_catalog.int8 AS n`);
  // A row is unseen when its xmin is at or after the snapshot's xmin (its age at most that xmin's)
  // and either at or after its xmax or, in between, not visible in it (the xmax as a full id
  // makes xmin one: a row between the two is older than it). age() compares 32-bit xids across
  // wraparound, and cheaply: the exact test runs only for rows between the two, which only
  // transactions running at the mark put there. The snapshot's values are the transaction's
  // settings, read once per statement (an uncorrelated subquery): as parameters, each of the
  // hundreds of EXECUTEs would evaluate them anew, several times the cost of its count.
  const setting = (name: string, type: string): string => `(SELECT pg_catalog.current_setting('migtest.mark_${name}')::pg_catalog.${type})`;
  const top = setting('top', 'int8');
  const unseen = `pg_catalog.count(*) FILTER (WHERE pg_catalog.age(r.xmin) <= ${setting('low', 'int4')}
      AND (pg_catalog.age(r.xmin) <= ${setting('high', 'int4')} OR NOT pg_catalog.pg_visible_in_snapshot(
        (${top} - ((${top} - r.xmin::text::pg_catalog.int8) % 4294967296 + 4294967296) % 4294967296)::text::pg_catalog.xid8,
        ${setting('snapshot', 'pg_snapshot')})))`;
  const count = ({ key, from, contents }: Relation): string =>
    contents
      ? `SELECT ${literal(key)} AS k, ${rawRowsDigest(key.slice(2), from)} AS c, 0::pg_catalog.int8 AS n`
      : `SELECT ${literal(key)} AS k, pg_catalog.count(*)::text AS c, ${unseen} AS n FROM ${from}`;
  // `xmin:xmax:xip,…`
  const [low, high] = since.split(':').slice(0, 2);
  const age = (xid: string): string => `pg_catalog.age(${literal(String(BigInt(xid) % 4294967296n))}::pg_catalog.xid)::text`;
  const set = (name: string, value: string): string => `pg_catalog.set_config('migtest.mark_${name}', ${value}, true)`;
  const judged = `SELECT ${set('low', age(low!))}, ${set('high', age(high!))}, ${set('snapshot', literal(since))}, ${set('top', literal(high!))}`;
  const results = await send(client, [
    ...(check ? [READ_ONLY, statement(SEQUENCES)] : []),
    judged,
    statement(catalogs.map(count).join('\nUNION ALL\n')),
    ...tables.map((t) => statement(count(t))),
    ...trackerRows,
    'COMMIT',
  ]);
  const found: Record<string, string> = {};
  const trackerDigests: { name: string; h: string }[] = [];
  let sequenceHash = '';
  for (const row of results.flatMap((r) => (r.rows ?? []) as Record<string, string>[])) {
    if (row.h !== undefined) sequenceHash = row.h;
    else if (row.k?.startsWith('k:')) trackerDigests.push({ name: row.k.slice(2), h: row.c! });
    else if (row.k !== undefined) found[row.k] = Number(row.n) > 0 ? 'unseen' : row.c!;
  }
  return { counts: found, trackers: trackerHashOf(trackerDigests), sequences: sequenceHash };
}
