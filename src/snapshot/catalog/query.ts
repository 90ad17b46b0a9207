import type { ObjectKind } from '../types.js';
import type { CatalogVersion } from './versions.js';

/**
 * One catalog query: one row per object, a `path` column (`<kind>:<qualified name>`) and one
 * column per attribute (the column alias is the attribute name). The snapshot adds `kind` and
 * sorts the keys, so a query only has to pick canonical values: names instead of OIDs, pg_get_*
 * output instead of pg_node_tree, never attnum, conkey, atthasmissing/attmissingval or sequence
 * state.
 */
export interface CatalogQuery {
  kind: ObjectKind;
  sql: string;
  /**
   * The query names `$1::text[]`: qualified names of tracker tables, whose objects (columns,
   * constraints, indexes, owned sequences, triggers) are left out of the schema. The readers write
   * the names in (catalog.ts, withTrackers).
   */
  takesTrackers: boolean;
  /**
   * Where this kind's objects live: database-local catalogs (`pg_policy`), or rows of one kind
   * (`pg_class:m`, `pg_type:d`). When none holds a row with an OID of the database's own
   * (FIRST_NORMAL_OID and up), the query has nothing to return and the hash skips it. Left out
   * for kinds that can exist without such rows (a role, the database).
   */
  sources?: string[];
  /**
   * What the snapshot reads instead of `sql` (the state hash reads `sql`): the same attributes,
   * with some deparsed text left NULL where the snapshot may know it already, and hidden columns
   * (named `~…`, never attributes) that say which catalog rows the text comes from
   * (kept-texts.ts).
   */
  snapshotSql?: string;
}

/** A kind's queries for one PostgreSQL major. */
export type KindQueries = (version: CatalogVersion) => CatalogQuery[];
