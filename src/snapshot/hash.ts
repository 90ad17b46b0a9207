import { createHash } from 'node:crypto';
import type pg from 'pg';
import { catalogQueries, dataTablesQuery, trackerTablesQuery, withTrackers } from './catalog.js';
import { FIRST_NORMAL_OID } from './catalog/sql.js';
import { catalogVersion, type CatalogVersion } from './catalog/versions.js';
import { EMPTY_DIGEST, quoteIdent, READ_ONLY } from './data.js';
import { send, serverVersion, statement, withPrepared } from '../postgres/prepared.js';

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
  /** Everything compared: schema, data and trackers. */
  all: string;
  /**
   * Where every sequence stands (`last_value`, or not called yet). Not compared, since rolled-back
   * work consumes sequence values and a correct run may leave them elsewhere; but the next run's
   * values depend on it.
   */
  sequences: string;
  /**
   * Everything the next run's behaviour depends on within the database: `all` and `sequences`.
   * What a cache of verdicts is keyed by.
   */
  key: string;
  /**
   * The user rows of every database-local catalog, OIDs and all, with data and trackers. Equal
   * raw digests prove equal states; different ones prove nothing, since the same object made
   * twice gets other OIDs. It is cheap, and it holds for a copy of a template that a
   * rolled-back block left as it was: the common case of a fault.
   */
  raw: string;
  /** The raw digest without the trackers: equal, the schema and the data are equal. */
  rawState: string;
  /**
   * Read without the canonical part (`canonical: false`): `schema`, `all` and `schemaData` are
   * empty and mean nothing, and `key` is made from `raw`, which only equal states share within a
   * database's lineage.
   */
  rawOnly?: true;
}

/** What a cache of verdicts is keyed by: the canonical hashes, or for a state hashed raw only its raw digest. */
function keyOf(hash: { all: string; raw: string; rawOnly?: true }, sequences: string): string {
  return hash.rawOnly ? md5('raw', hash.raw, sequences) : md5(hash.all, sequences);
}

/**
 * The catalogs a state's schema lives in, each with the column that holds an object's OID (or its
 * table's): rows at or above FIRST_NORMAL_OID are the database's own. Every database-local catalog
 * the canonical snapshot reads is here, so equal raw digests imply equal snapshots.
 */
const RAW_CATALOGS: [string, string][] = [
  ['pg_namespace', 'oid'],
  ['pg_class', 'oid'],
  ['pg_attribute', 'attrelid'],
  ['pg_attrdef', 'oid'],
  ['pg_constraint', 'oid'],
  ['pg_index', 'indexrelid'],
  ['pg_inherits', 'inhrelid'],
  ['pg_partitioned_table', 'partrelid'],
  ['pg_sequence', 'seqrelid'],
  ['pg_rewrite', 'oid'],
  ['pg_proc', 'oid'],
  ['pg_aggregate', 'aggfnoid'],
  ['pg_trigger', 'oid'],
  ['pg_type', 'oid'],
  ['pg_enum', 'oid'],
  ['pg_range', 'rngtypid'],
  ['pg_collation', 'oid'],
  ['pg_policy', 'oid'],
  ['pg_statistic_ext', 'oid'],
  ['pg_description', 'objoid'],
  ['pg_depend', 'objid'],
  ['pg_extension', 'oid'],
  ['pg_default_acl', 'oid'],
  ['pg_event_trigger', 'oid'],
  ['pg_publication', 'oid'],
  ['pg_publication_rel', 'oid'],
];

const currentDatabase = `(SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())`;

/** This database's settings, the roles made after initdb and their memberships, in the shared catalogs. */
const OWN_SETTINGS = `r.setdatabase = ${currentDatabase} OR (r.setdatabase = 0 AND r.setrole >= '${FIRST_NORMAL_OID}'::pg_catalog.oid)`;
const OWN_ROLES = `r.oid >= '${FIRST_NORMAL_OID}'::pg_catalog.oid`;
const OWN_MEMBERSHIPS = `r.member >= '${FIRST_NORMAL_OID}'::pg_catalog.oid`;

/**
 * The shared catalogs' part of this database: its settings, and the roles made after initdb with
 * their attributes and memberships. Every such role, not only those this database's objects name:
 * an unequal digest proves nothing, and the wider set is cheaper to read. Never the database's
 * own OID, which every copy changes; never a password. pg_shdepend is not read: it repeats owners,
 * grantees and policy roles that the local catalogs hold already.
 */
const SHARED_CATALOGS: string[] = [
  `SELECT ROW(r.setdatabase = 0, r.setrole, r.setconfig)::text AS t FROM pg_catalog.pg_db_role_setting r WHERE ${OWN_SETTINGS}`,
  `SELECT ROW(r.oid, r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin,
     r.rolreplication, r.rolbypassrls, r.rolconnlimit, r.rolvaliduntil, r.rolconfig)::text AS t
   FROM pg_catalog.pg_roles r WHERE ${OWN_ROLES}
   UNION ALL
   SELECT r::text FROM pg_catalog.pg_auth_members r WHERE ${OWN_MEMBERSHIPS}`,
];

/**
 * Rows below FIRST_NORMAL_OID that a migration may change or remove, read as well: initdb made the
 * public schema and plpgsql, and a set comments on, grants on, renames or drops them. Few rows each.
 */
const INITDB_ROWS: Record<string, string> = {
  pg_namespace: 'true',
  pg_extension: 'true',
  // Found by the objects' OIDs (pg_description's index), not by a pass over initdb's thousands.
  pg_description: `r.classoid IN ('pg_catalog.pg_namespace'::pg_catalog.regclass, 'pg_catalog.pg_extension'::pg_catalog.regclass)
    AND r.objoid IN (SELECT n.oid FROM pg_catalog.pg_namespace n UNION ALL SELECT e.oid FROM pg_catalog.pg_extension e)`,
};

/** pg_toast's fixed OID: its relations are storage, made and kept by the server, never the schema. */
const TOAST = `'99'::pg_catalog.oid`;
// A hashed subplan, built once per read (as EXISTS, an anti join per catalog row read).
const toast = (oid: string): string => `${oid} IN (SELECT t.oid FROM pg_catalog.pg_class t WHERE t.relnamespace = ${TOAST})`;

/**
 * A catalog row's hash, by each column's own hash function: a third of the time of its text
 * (pg_depend's rows 7 -> 3 ms on the bench schema).
 */
const record = (row: string): string => `pg_catalog.hash_record_extended(${row}, 0)`;
const RECORD = record('r');

/**
 * The raw catalogs whose rows hold privileges (an aclitem[] column), hashed by their text too. An
 * aclitem's own hash is the sum of its grantee's and grantor's OIDs and its privilege bits, so
 * SELECT for one role and INSERT for the role made after it hash alike.
 */
const PRIVILEGES: Record<string, string> = { pg_namespace: 'nspacl', pg_proc: 'proacl', pg_type: 'typacl', pg_default_acl: 'defaclacl' };

/** RECORD, with the row's privileges hashed by their text where it has some (PRIVILEGES). */
function rowHash(name: string): string {
  const acl = PRIVILEGES[name];
  return acl === undefined ? RECORD : `(${RECORD} # pg_catalog.hashtextextended(coalesce(r.${acl}::text, ''), 0))`;
}

/**
 * How some catalogs' rows are read into the raw digest: without what the server changes by itself
 * or keeps after an object's undoing, none of which the canonical snapshot reads. pg_class: the
 * storage (relfilenode, the toast table, the planner's statistics, frozen xids) and the flags that
 * stay set once set (relhasindex, relhastriggers, relhasrules, relhassubclass) or count dropped
 * columns (relnatts); a dropped column's pg_attribute row and the system columns' (made with
 * their table, and never read); toast relations and their rows. So a
 * column added and dropped again, an index made and dropped, a statistics update leave the digest
 * as it was, and equal digests still prove equal snapshots. `hash`: where a row is not hashed whole
 * (rowHash), the columns it is hashed by.
 */
const RAW_ROWS: Record<string, { hash?: string; where?: string }> = {
  pg_class: {
    // Every other column, named (the same in PostgreSQL 14 to 18; a row is cheaper than jsonb),
    // each hashed by its type's own function rather than its text (a third less time); a
    // partition bound by its text, and the privileges by theirs (why: PRIVILEGES).
    hash: record(`ROW(r.oid, r.relname, r.relnamespace, r.reltype, r.reloftype, r.relowner, r.relam, r.reltablespace, r.relisshared,
      r.relpersistence, r.relkind, r.relchecks, r.relrowsecurity, r.relforcerowsecurity, r.relispopulated, r.relreplident,
      r.relispartition, r.relacl::text, r.reloptions, r.relpartbound::text)`),
    where: `r.relnamespace <> ${TOAST}`,
  },
  // The columns some snapshot query reads (catalog/column.ts, table.ts, type.ts): not the type's
  // length and alignment (the type's own), the planner's statistics target, the options no query
  // reads, nor what ADD COLUMN … DEFAULT keeps for old rows. A row is a tenth of a column's cost
  // in text, and a wide schema has thousands.
  pg_attribute: {
    hash: record(`ROW(r.attrelid, r.attnum, r.attname, r.atttypid, r.atttypmod, r.attnotnull, r.attidentity, r.attgenerated,
      r.attcollation, r.attstorage, r.attcompression, r.attislocal, r.attinhcount, r.attacl::text)`),
    where: `r.attnum > 0 AND NOT r.attisdropped AND NOT ${toast('r.attrelid')}`,
  },
  pg_type: { where: `r.typnamespace <> ${TOAST}` },
  pg_index: { where: `NOT ${toast('r.indexrelid')}` },
  // Only the dependencies a snapshot reads: an extension's members ('e'), what an object is part
  // of ('i': identity sequences, a view's rule) and what it is owned by ('a': OWNED BY). The
  // others ('n' for every reference an expression or key makes) follow from the definitions the
  // other catalogs hold, and were nine rows in ten.
  pg_depend: {
    where: `r.deptype IN ('e', 'i', 'a') AND NOT (r.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ${toast('r.objid')})`,
  },
};

/**
 * The digest of a multiset of texts, `text` for each row of `from`: their count and the exact sum
 * of their 64-bit hashes (hashtextextended). No sort, as an ordered string_agg needs, nor a
 * conversion of md5 digests to numbers: on 45 tables of 50 rows this is a quarter of either's
 * time. A duplicated row counts twice. An empty multiset digests to md5('').
 */
function unordered(text: string, from: string): string {
  return unorderedHashes(textHash(text), from);
}

/** `unordered` of the rows' 64-bit hashes (`hash`, an int8 for each row of `from`). */
function unorderedHashes(hash: string, from: string): string {
  return `(SELECT ${digestOfHashes(hash)} FROM ${from})`;
}

function textHash(text: string): string {
  return `pg_catalog.hashtextextended(${text}, 0)`;
}

/**
 * `unordered`'s aggregate, for a query of its own per table: a UNION ALL of plain aggregates
 * plans in a tenth of the time of one of scalar subqueries (34 ms against 400 on 241 tables).
 */
function digestOf(text: string): string {
  return digestOfHashes(textHash(text));
}

function digestOfHashes(hash: string): string {
  return `coalesce(pg_catalog.count(*)::text || ':' || pg_catalog.sum(${hash})::text, pg_catalog.md5(''))`;
}

/**
 * The rows of the database-local catalogs the raw digest reads, each as `pg_catalog.<name> r
 * WHERE …` (the same rows a state mark counts, src/snapshot/mark.ts).
 */
export function rawCatalogRows(version: CatalogVersion): { name: string; from: string; all: string }[] {
  const own = (key: string): string => `r.${key} >= '${FIRST_NORMAL_OID}'::pg_catalog.oid`;
  return [...RAW_CATALOGS, ...version.rawCatalogs].map(([name, key]) => {
    const rows = RAW_ROWS[name];
    const initdb = INITDB_ROWS[name];
    const mine = initdb === undefined ? own(key) : `(${own(key)} OR ${initdb})`;
    // `all`: the database's own rows, also those RAW_ROWS leaves out (a superset, cheaper to find),
    // as rows with their xmin. initdb's few rows apart, so that the database's own are found by
    // their key's index (pg_description holds thousands of initdb's).
    const all =
      initdb === undefined
        ? `pg_catalog.${name} r WHERE ${mine}`
        : `(SELECT r.xmin FROM pg_catalog.${name} r WHERE ${own(key)} UNION ALL SELECT r.xmin FROM pg_catalog.${name} r WHERE NOT ${own(key)} AND ${initdb}) r`;
    return { name, from: `pg_catalog.${name} r WHERE ${mine}${rows?.where ? ` AND ${rows.where}` : ''}`, all };
  });
}

/**
 * The shared catalogs' rows behind SHARED_CATALOGS, as base tables (a view has no row versions):
 * this database's settings and the roles made after initdb with their memberships.
 */
export const SHARED_CATALOG_ROWS: { name: string; from: string }[] = [
  { name: 'pg_db_role_setting', from: `pg_catalog.pg_db_role_setting r WHERE ${OWN_SETTINGS}` },
  { name: 'pg_authid', from: `pg_catalog.pg_authid r WHERE ${OWN_ROLES}` },
  { name: 'pg_auth_members', from: `pg_catalog.pg_auth_members r WHERE ${OWN_MEMBERSHIPS}` },
];

/** The raw digest of `from`'s rows of catalog `name`, as the raw digest reads them (a scalar subquery). */
export function rawRowsDigest(name: string, from: string): string {
  return unorderedHashes(RAW_ROWS[name]?.hash ?? rowHash(name), from);
}

function rawCatalogSql(version: CatalogVersion): string {
  const parts = [
    ...rawCatalogRows(version).map(({ name, from }, i) => {
      return `SELECT ${i} AS n, ${literal(name)}::text AS c, ${rawRowsDigest(name, from)} AS d`;
    }),
    ...SHARED_CATALOGS.map((sql, i) => `SELECT ${1000 + i} AS n, NULL::text AS c, ${unordered('x.t', `(${sql}) x`)} AS d`),
  ];
  // `populated`: the database-local catalogs that hold rows of the database's own, and the
  // `pg_class:<relkind>` and `pg_type:<typtype>` of those rows (see CatalogQuery.sources).
  return `SELECT pg_catalog.md5(pg_catalog.string_agg(d, ',' ORDER BY n)) AS h,
  coalesce(pg_catalog.array_agg(c) FILTER (WHERE d <> pg_catalog.md5('') AND c IS NOT NULL), '{}')
    || ARRAY(SELECT DISTINCT 'pg_class:' || r.relkind::text FROM pg_catalog.pg_class r WHERE r.oid >= '${FIRST_NORMAL_OID}'::pg_catalog.oid)
    || ARRAY(SELECT DISTINCT 'pg_type:' || r.typtype::text FROM pg_catalog.pg_type r WHERE r.oid >= '${FIRST_NORMAL_OID}'::pg_catalog.oid) AS populated
FROM (${parts.join('\nUNION ALL\n')}) y`;
}

export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function textArray(values: string[]): string {
  return `${literal(`{${values.map((v) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`)}::text[]`;
}


/** The digest of one tracker table's rows without their volatile columns (`volatile`: a text[] literal), a scalar subquery. */
export function trackerRowsDigest(table: { schema: string; name: string }, volatile: string): string {
  return unordered(`(pg_catalog.to_jsonb(r.*) - ${volatile})::text`, `${quoteIdent(table.schema)}.${quoteIdent(table.name)} r`);
}

/**
 * The trackers' part of a state from their tables' digests. A tracker table without rows records
 * what no tracker table does: nothing applied (a snapshot's trackers compare the same way). So the
 * state after the first migration's down has the tracker hash of the empty database.
 */
export function trackerHashOf(rows: { name: string; h: string }[]): string {
  const sorted = [...rows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return md5(...sorted.filter((r) => r.h !== EMPTY_DIGEST).map((r) => `${r.name}=${r.h}`));
}

export function trackerNames(trackers: string[]): string[] {
  return trackers.map((t) => (t.includes('.') ? t : `public.${t}`));
}

function md5(...parts: string[]): string {
  return createHash('md5').update(parts.join('|')).digest('hex');
}

const byPath = 'ORDER BY q.path COLLATE "C"';

/** Every sequence's position, tracker-owned ones too: `last_value` is null until the first nextval. */
export const SEQUENCES_SQL = `SELECT pg_catalog.md5(coalesce(pg_catalog.string_agg(
    s.schemaname || '.' || s.sequencename || '=' || coalesce(s.last_value::text, '-'), ','
    ORDER BY s.schemaname COLLATE "C", s.sequencename COLLATE "C"), '')) AS h
FROM pg_catalog.pg_sequences s`;

/**
 * The fast equality path: the same catalog queries and data fingerprints as a snapshot, reduced
 * to hashes on the server in three round trips, so nothing but 32-character strings crosses the
 * wire. Used to compare states; the full snapshot is read only to explain a difference.
 */
export async function stateHash(
  client: pg.Client,
  options: {
    trackers?: string[];
    volatile?: string[];
    canonical?: boolean;
    /**
     * A state this one is expected to equal: when the raw digests match, its hashes are this
     * state's too and the canonical queries are not run; otherwise they are, in the same
     * transaction, so the raw pass is never made twice.
     */
    reference?: StateHash;
  } = {},
): Promise<StateHash> {
  return withPrepared(() => hashOnce(client, options));
}

/**
 * `stateHash`'s read. Its fixed statements (the raw digest, the tables, the trackers, the
 * sequences, the canonical queries) are prepared once on the connection (src/postgres/prepared.ts):
 * a kept state's connection hashes it again without planning them.
 */
async function hashOnce(
  client: pg.Client,
  options: { trackers?: string[]; volatile?: string[]; canonical?: boolean; reference?: StateHash },
): Promise<StateHash> {
  const canonical = options.canonical ?? true;
  const trackers = textArray(trackerNames(options.trackers ?? []));
  const version = await serverVersion(client);
  const fixed = [
    rawCatalogSql(catalogVersion(version)),
    withTrackers(dataTablesQuery, trackers),
    withTrackers(trackerTablesQuery, trackers),
    SEQUENCES_SQL,
  ].map(statement);
  const begun = await send(client, [READ_ONLY, ...fixed]);
  try {
    const [rawHash, tables, trackerTables, sequenceHash] = begun.filter((result) => result.command === 'SELECT').slice(-4) as unknown as [
      pg.QueryResult<{ h: string; populated: string[] }>,
      pg.QueryResult<{ schema: string; name: string; relkind: string; stored: boolean }>,
      pg.QueryResult<{ schema: string; name: string }>,
      pg.QueryResult<{ h: string }>,
    ];
    const sequences = sequenceHash.rows[0]!.h;

    // A kind whose catalogs hold no row of the database's own has nothing to return: its part of
    // the hash is the empty one, without planning its query (planning is most of the cost).
    const populated = new Set(rawHash.rows[0]!.populated);
    const catalog = catalogQueries(version)
      .map((query) =>
        query.sources !== undefined && !query.sources.some((source) => populated.has(source))
          ? `SELECT ${literal(query.kind)} AS k, pg_catalog.md5('') AS h`
          : `SELECT ${literal(query.kind)} AS k, pg_catalog.md5(coalesce(pg_catalog.string_agg(q::text, E'\\n' ${byPath}), '')) AS h
FROM (${withTrackers(query.sql, trackers)}) q`,
      )
      .join('\nUNION ALL\n');

    const volatile = textArray(options.volatile ?? []);
    // A table without a page has no row: its digest is known without reading it.
    const empty = tables.rows.filter((t) => !t.stored).map((t) => ({ part: 'd', name: `${t.schema}.${t.name}`, h: EMPTY_DIGEST }));
    const parts = [
      ...tables.rows
        .filter((t) => t.stored)
        .map(
          (t) => `SELECT 'd' AS part, ${literal(`${t.schema}.${t.name}`)} AS name, ${digestOf('pg_catalog.to_jsonb(r.*)::text')} AS h
  FROM ${t.relkind === 'p' ? '' : 'ONLY '}${quoteIdent(t.schema)}.${quoteIdent(t.name)} r`,
        ),
      ...trackerTables.rows.map((t) => `SELECT 't' AS part, ${literal(`${t.schema}.${t.name}`)} AS name, ${trackerRowsDigest(t, volatile)} AS h`),
    ];
    const canonicalStatement = statement(`SELECT pg_catalog.md5(pg_catalog.string_agg(k || ':' || h, ',' ORDER BY k)) AS h FROM (${catalog}) x`);
    // With a reference, the canonical part waits for the raw digest's verdict. The tables' part
    // changes with the tables that hold rows: not prepared.
    const sent = await send(client, [canonical && !options.reference ? canonicalStatement : `SELECT '' AS h`, ...(parts.length > 0 ? [parts.join('\nUNION ALL\n')] : [])]);
    const [hashes, dataResult] = sent.filter((result) => result.command === 'SELECT') as unknown as [
      pg.QueryResult<{ h: string }>,
      pg.QueryResult<{ part: string; name: string; h: string }> | undefined,
    ];
    let data = '';
    let trackerHash = '';
    if (dataResult !== undefined || empty.length > 0) {
      const rows = [...(dataResult?.rows ?? []), ...empty];
      rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      data = md5(...rows.filter((r) => r.part === 'd').map((r) => `${r.name}=${r.h}`));
      trackerHash = trackerHashOf(rows.filter((r) => r.part === 't'));
    }
    const raw = md5(rawHash.rows[0]!.h, data, trackerHash);
    const rawState = md5(rawHash.rows[0]!.h, data);
    let schema = hashes.rows[0]!.h;
    if (options.reference) {
      const reference = options.reference;
      if (raw === reference.raw) {
        await client.query('COMMIT');
        // The raw digest leaves sequences out: a rolled-back block still consumed their values.
        return { ...reference, sequences, key: keyOf(reference, sequences) };
      }
      if (rawState === reference.rawState) {
        // Only the trackers differ (a tool's dirty flag after a failed block): the schema and the
        // data are the reference's, without the canonical queries.
        await client.query('COMMIT');
        const all = reference.rawOnly ? '' : md5(reference.schema, data, trackerHash);
        const own = { ...reference, trackers: trackerHash, all, sequences, raw, rawState };
        return { ...own, key: keyOf(own, sequences) };
      }
      if (canonical) {
        const sentLater = await send(client, [canonicalStatement]);
        schema = (sentLater[sentLater.length - 1] as pg.QueryResult<{ h: string }>).rows[0]!.h;
      }
    }
    await client.query('COMMIT');
    if (!canonical) return { schema: '', data, trackers: trackerHash, schemaData: '', all: '', sequences, key: keyOf({ all: '', raw, rawOnly: true }, sequences), raw, rawState, rawOnly: true };
    const all = md5(schema, data, trackerHash);
    return {
      schema,
      data,
      trackers: trackerHash,
      schemaData: md5(schema, data),
      all,
      sequences,
      key: md5(all, sequences),
      raw,
      rawState,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
