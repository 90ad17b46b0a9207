import type pg from 'pg';
import { userRelation } from './catalog/sql.js';
import { catalogVersion } from './catalog/versions.js';
import { quoteIdent, READ_ONLY } from './data.js';
import { remembered, send, statement, withPrepared, type Prepared } from '../postgres/prepared.js';
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
  /**
   * Where every sequence stood; absent when the mark was read without (`sequences: false`): then
   * where they stand is left out of its checks (nextval is not undone by anything).
   */
  sequences?: string;
  /** What a check of the mark reads again: the server's version and the tables there were. */
  shape: Shape;
  /**
   * Read after another mark of the same database (MarkReading.after): the relations that hold the
   * very row versions it counted (for those compared by contents, the same contents).
   */
  unchanged?: string[];
}

/**
 * A later mark of the same database that stands for some of a checked mark's relations (`keys`):
 * they are judged by its snapshot and counts instead. For a relation whose rows were proved, by
 * contents, to be the checked state's while their versions are new (a backfill undone by
 * dropping its column leaves the table's rows new versions of the same values): the caller
 * answers for those contents (src/checks/down.ts, Walk).
 */
export interface Anchor {
  mark: StateMark;
  keys: string[];
}

/** What a check found: whether the state is the mark's, and the relations whose rows are not the mark's (or their anchor's). */
export interface MarkCheck {
  holds: boolean;
  differing: string[];
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

/**
 * What a mark reads: also where the sequences stand (the default), or not; `after`: an earlier
 * mark of the same database, to tell which relations still hold the row versions it counted.
 */
export interface MarkReading extends MarkOptions {
  sequences?: boolean;
  after?: StateMark | undefined;
}

interface Relation {
  key: string;
  from: string;
  /** Compared by the raw digest of its rows, not by row versions. */
  contents?: boolean;
}

/**
 * Catalogs compared by their rows' contents (as the raw digest reads them), not their versions:
 * those whose rows of existing objects an ALTER or a CREATE OR REPLACE rewrites and its undoing
 * writes back with the same contents (a column added to an earlier table and dropped again leaves
 * the table's pg_class row a new version; a tool that empties its tracker with TRUNCATE gives it
 * new storage, so a new pg_class row, at every run; a function or view replaced and restored
 * leaves new pg_proc or pg_rewrite rows and dependencies; a sequence altered and altered back, a
 * trigger disabled and enabled again, a schema given another owner and its own back). Few rows,
 * cheap to digest (about a tenth more than counting them, on 45 tables); and a later state would
 * otherwise never be proved by its mark again, since such a row version stays, and as these
 * catalogs change with most migrations, neither by the mark read after the step was proved
 * (src/checks/down.ts, anchors). pg_description is counted: its own rows are found by an index
 * only when counted, and a comment restored is rare.
 */
const BY_CONTENTS = new Set(['pg_class', 'pg_attribute', 'pg_constraint', 'pg_proc', 'pg_rewrite', 'pg_depend', 'pg_sequence', 'pg_trigger', 'pg_namespace']);

/** Reads the mark of the state `client`'s database holds now. */
export async function markState(client: pg.Client, options: MarkReading = {}): Promise<StateMark> {
  return withPrepared(async () => {
    const sequences = options.sequences !== false;
    const trackers = options.trackers ?? [];
    const listed = await begin(client, remembered(`mark:listing:${sequences}:${JSON.stringify(trackers)}`, () => listing(trackers, sequences)));
    const shape: Shape = { v: Number(listed.v), tables: listed.tables };
    // Counted rows are those the mark's own snapshot sees; judged by `after`'s, the rows among
    // them it did not see tell the relations that changed since.
    const after = options.after;
    const read = await counts(client, options, shape, [after?.snapshot ?? listed.s], () => 0);
    const found = Object.fromEntries(Object.entries(read.rows).map(([key, row]) => [key, row.c]));
    const unchanged = after ? Object.keys(read.rows).filter((key) => sameRows(read.rows[key], after.counts[key])) : undefined;
    return { snapshot: listed.s, counts: found, trackers: read.trackers, ...(sequences ? { sequences: listed.h! } : {}), shape, ...(unchanged ? { unchanged } : {}) };
  });
}

/**
 * Whether the database holds exactly the row versions `mark` counted (and the same trackers and
 * sequences, when the mark read them): then it is the marked state. False says only that it could
 * not be proved so.
 */
export async function markHolds(client: pg.Client, mark: StateMark, options: MarkOptions = {}): Promise<boolean> {
  return (await checkMark(client, mark, options)).holds;
}

/**
 * markHolds, with the relations that differ, and `anchors` (later marks of the same database)
 * standing for some of them.
 */
export async function checkMark(client: pg.Client, mark: StateMark, options: MarkOptions = {}, anchors: Anchor[] = []): Promise<MarkCheck> {
  return withPrepared(async () => {
    const owner = new Map<string, number>();
    anchors.forEach((anchor, i) => anchor.keys.forEach((key) => owner.set(key, i + 1)));
    const snapshots = [mark.snapshot, ...anchors.map((anchor) => anchor.mark.snapshot)];
    // One round trip: the transaction, the sequences and every count, of the relations the mark
    // counted. A table of the mark that is gone fails its statement: the state is not the mark's.
    const now = await counts(client, options, mark.shape, snapshots, (key) => owner.get(key) ?? 0, { sequences: mark.sequences !== undefined }).catch(
      (error: unknown) => {
        if (GONE.has((error as { code?: string }).code ?? '')) return undefined;
        throw error;
      },
    );
    if (!now) return { holds: false, differing: [] };
    const expected = (key: string): string | undefined => {
      const anchor = owner.get(key);
      return anchor === undefined ? mark.counts[key] : anchors[anchor - 1]!.mark.counts[key];
    };
    const keys = new Set([...Object.keys(now.rows), ...Object.keys(mark.counts)]);
    const differing = [...keys].filter((key) => !sameRows(now.rows[key], expected(key)));
    const sequences = mark.sequences === undefined || now.sequences === mark.sequences;
    return { holds: differing.length === 0 && sequences && now.trackers === mark.trackers, differing };
  });
}

const CATALOGS = new Map<number, Relation[]>();

/**
 * The catalogs' rows a mark reads, for a server version: those the raw digest reads, by contents
 * (not a dropped column's row, which stays); or counted among all the database's own rows of the
 * catalog, a superset that needs no per-row test to find (the rows RAW_ROWS leaves out come and go
 * with their objects).
 */
function catalogRelations(v: number): Relation[] {
  let found = CATALOGS.get(v);
  if (!found) {
    found = [
      ...rawCatalogRows(catalogVersion(v)).map(({ name, from, all }) =>
        BY_CONTENTS.has(name) ? { key: `c:${name}`, from, contents: true } : { key: `c:${name}`, from: all },
      ),
      ...SHARED_CATALOG_ROWS.map(({ name, from }) => ({ key: `c:${name}`, from })),
    ];
    CATALOGS.set(v, found);
  }
  return found;
}

/**
 * Whether a relation read now holds the very rows counted as `expected`: no row version its
 * snapshot did not see, and as many (for one compared by contents, the same contents).
 */
function sameRows(row: { c: string; n: number } | undefined, expected: string | undefined): boolean {
  return row !== undefined && row.n === 0 && row.c === expected;
}

/** How many tables' counts one statement reads, at most (tableGroups). */
const TABLES_PER_STATEMENT = 8;

/**
 * The user tables (not the trackers) in the statements that count them: by the snapshot each is
 * judged by, in OID order, whole groups of TABLES_PER_STATEMENT tables in one statement each and the
 * rest one statement a table. A statement costs its execution's overhead, several times a small
 * table's count; and a statement's text must stay as it is from one mark to the next, so that its
 * plan is kept: a group fills up once, with the tables made after it (OIDs grow), while the last
 * tables, still counted alone, come and go with the migrations that make them. A table dropped
 * from the middle shifts the groups after it, which are prepared anew once.
 */
function tableGroups(tables: Listed[], snapshotOf: (key: string) => number): { judged: number; tables: Listed[] }[] {
  const bySnapshot = new Map<number, Listed[]>();
  for (const table of tables) {
    if (table.tracker) continue;
    const judged = snapshotOf(`t:${table.oid}`);
    let listed = bySnapshot.get(judged);
    if (!listed) bySnapshot.set(judged, (listed = []));
    listed.push(table);
  }
  const groups: { judged: number; tables: Listed[] }[] = [];
  for (const [judged, listed] of bySnapshot) {
    const whole = listed.length - (listed.length % TABLES_PER_STATEMENT);
    for (let i = 0; i < whole; i += TABLES_PER_STATEMENT) groups.push({ judged, tables: listed.slice(i, i + TABLES_PER_STATEMENT) });
    for (const table of listed.slice(whole)) groups.push({ judged, tables: [table] });
  }
  return groups;
}

/** A relation of a prepared statement dropped (42P01), or a column it reads (42703). */
const GONE = new Set(['42P01', '42703']);

/**
 * Where every sequence stands, by OID (a mark is compared within one database's lineage): what
 * hash.ts's SEQUENCES_SQL reads through pg_sequences, without the view's joins. A sequence the connection
 * may not read stands nowhere (as in the view).
 */
const SEQUENCES = `SELECT pg_catalog.md5(coalesce(pg_catalog.string_agg(c.oid::text || '=' || coalesce(CASE WHEN pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE')
  THEN pg_catalog.pg_sequence_last_value(c.oid) END::text, '-'), ',' ORDER BY c.oid), '')) AS h
FROM pg_catalog.pg_class c WHERE c.relkind = 'S' AND c.relpersistence <> 't'`;
const SEQUENCES_STATEMENT = statement(SEQUENCES);

/** The server's version, the snapshot, the sequences (unless not `sequences`) and the user tables (ordinary ones). */
function listing(trackerTables: string[], sequences: boolean): string {
  const trackers = textArray(trackerNames(trackerTables));
  return `SELECT pg_catalog.current_setting('server_version_num') AS v, pg_catalog.pg_current_snapshot()::text AS s,${sequences ? ` (${SEQUENCES}) AS h,` : ''}
  coalesce(pg_catalog.json_agg(pg_catalog.json_build_object('oid', t.oid::text, 'schema', t.schema, 'name', t.name, 'tracker', t.tracker) ORDER BY t.oid), '[]') AS tables
FROM (
  SELECT c.oid, n.nspname AS schema, c.relname AS name, (n.nspname || '.' || c.relname) = ANY (${trackers}) AS tracker
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND ${userRelation('c', 'n')}
) t`;
}

/** Opens the transaction and reads the listing, in one round trip. */
async function begin(client: pg.Client, listed: Prepared): Promise<{ v: string; s: string; h?: string; tables: Listed[] }> {
  const results = await send(client, [READ_ONLY, listed]);
  return results[results.length - 1]!.rows[0] as { v: string; s: string; h?: string; tables: Listed[] };
}

/**
 * The counts of the catalogs' rows and of `shape`'s tables, and the trackers' digests, then the end
 * of the transaction, in one round trip (a `check` opens its transaction in it too, and reads the
 * sequences when `check.sequences`; a new mark's were opened and read by `begin`). Each relation's
 * `n` is how many of its row versions a snapshot did not see: `snapshots[snapshotOf(key)]` (a
 * marked snapshot, or for a new mark an earlier mark's or its own), so a mark and a later check of
 * it run the same statements. Each is prepared once on the connection (a kept one: a walk reads the same
 * relations at every state, and their parsing and planning were most of a mark's cost) and run by
 * SQL `EXECUTE`, so that any number of them go in one round trip; the tables are counted in
 * groups that keep their texts from one mark to the next (tableGroups), so that a migration that
 * adds or alters a table leaves the plans of the statements that do not count it valid.
 * Trackers are read anew each time: a tool that empties its tracker with TRUNCATE would make any
 * plan of it stale at every run. A row's xmin is 32 bits; its full transaction id is the one below
 * its snapshot's xmax with those low bits (every row of a state read here was written less than 2^32
 * transactions ago).
 */
async function counts(
  client: pg.Client,
  options: MarkOptions,
  shape: Shape,
  snapshots: string[],
  snapshotOf: (key: string) => number,
  check?: { sequences: boolean },
): Promise<{ rows: Record<string, { c: string; n: number }>; trackers: string; sequences: string }> {
  const catalogs = catalogRelations(shape.v);
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
  // Snapshot i's values are the settings migtest.mark<i>_*: relations judged by an anchor's
  // snapshot are counted by statements of their own (prepared once, like the others).
  const setting = (i: number, name: string, type: string): string => `(SELECT pg_catalog.current_setting('migtest.mark${i}_${name}')::pg_catalog.${type})`;
  const unseen = (i: number): string => {
    const top = setting(i, 'top', 'int8');
    return `pg_catalog.count(*) FILTER (WHERE pg_catalog.age(r.xmin) <= ${setting(i, 'low', 'int4')}
      AND (pg_catalog.age(r.xmin) <= ${setting(i, 'high', 'int4')} OR NOT pg_catalog.pg_visible_in_snapshot(
        (${top} - ((${top} - r.xmin::text::pg_catalog.int8) % 4294967296 + 4294967296) % 4294967296)::text::pg_catalog.xid8,
        ${setting(i, 'snapshot', 'pg_snapshot')})))`;
  };
  const count = ({ key, from, contents }: Relation): string =>
    contents
      ? `SELECT ${literal(key)} AS k, ${rawRowsDigest(key.slice(2), from)} AS c, 0::pg_catalog.int8 AS n`
      : `SELECT ${literal(key)} AS k, pg_catalog.count(*)::text AS c, ${unseen(snapshotOf(key))} AS n FROM ${from}`;
  // Each statement's text is built once per process (remembered): by the relation and the snapshot it is judged by.
  const catalogsJudged = catalogs.map(({ key }) => snapshotOf(key)).join(',');
  const catalogStatement = remembered(`mark:catalogs:${shape.v}:${catalogsJudged}`, () => catalogs.map(count).join('\nUNION ALL\n'));
  const tableStatements = tableGroups(shape.tables, snapshotOf).map((group) =>
    remembered(`mark:${group.judged}:${group.tables.map((t) => `t:${t.oid}:${t.schema}.${t.name}`).join(',')}`, () =>
      // ONLY: a parent's own rows (its children are tables of their own here).
      group.tables.map((t) => count({ key: `t:${t.oid}`, from: `ONLY ${quoteIdent(t.schema)}.${quoteIdent(t.name)} r` })).join('\nUNION ALL\n'),
    ),
  );
  const age = (xid: string): string => `pg_catalog.age(${literal(String(BigInt(xid) % 4294967296n))}::pg_catalog.xid)::text`;
  const judged = `SELECT ${snapshots
    .flatMap((since, i) => {
      // `xmin:xmax:xip,…`
      const [low, high] = since.split(':').slice(0, 2);
      const set = (name: string, value: string): string => `pg_catalog.set_config('migtest.mark${i}_${name}', ${value}, true)`;
      return [set('low', age(low!)), set('high', age(high!)), set('snapshot', literal(since)), set('top', literal(high!))];
    })
    .join(', ')}`;
  const results = await send(client, [
    ...(check ? [READ_ONLY, ...(check.sequences ? [SEQUENCES_STATEMENT] : [])] : []),
    judged,
    catalogStatement,
    ...tableStatements,
    ...trackerRows,
    'COMMIT',
  ]);
  const found: Record<string, { c: string; n: number }> = {};
  const trackerDigests: { name: string; h: string }[] = [];
  let sequenceHash = '';
  for (const row of results.flatMap((r) => (r.rows ?? []) as Record<string, string>[])) {
    if (row.h !== undefined) sequenceHash = row.h;
    else if (row.k?.startsWith('k:')) trackerDigests.push({ name: row.k.slice(2), h: row.c! });
    else if (row.k !== undefined) found[row.k] = { c: row.c!, n: Number(row.n) };
  }
  return { rows: found, trackers: trackerHashOf(trackerDigests), sequences: sequenceHash };
}
