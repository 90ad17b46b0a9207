import { collationQueries } from './catalog/collation.js';
import { columnQueries } from './catalog/column.js';
import { constraintQueries } from './catalog/constraint.js';
import { databaseQueries } from './catalog/database.js';
import { defaultPrivilegesQueries } from './catalog/default-privileges.js';
import { extensionQueries } from './catalog/extension.js';
import { indexQueries } from './catalog/index.js';
import { policyQueries } from './catalog/policy.js';
import { publicationQueries } from './catalog/publication.js';
import type { CatalogQuery, KindQueries } from './catalog/query.js';
import { roleQueries } from './catalog/role.js';
import { routineQueries } from './catalog/routine.js';
import { ruleQueries } from './catalog/rule.js';
import { schemaQueries } from './catalog/schema.js';
import { sequenceQueries } from './catalog/sequence.js';
import { notTracker, userRelation } from './catalog/sql.js';
import { statisticsQueries } from './catalog/statistics.js';
import { tableQueries } from './catalog/table.js';
import { triggerQueries } from './catalog/trigger.js';
import { typeQueries } from './catalog/type.js';
import { catalogVersion } from './catalog/versions.js';
import { viewQueries } from './catalog/view.js';

export type { CatalogQuery } from './catalog/query.js';

/**
 * Every kind's queries, one module per kind under catalog/; what differs between PostgreSQL
 * majors lives in catalog/versions.ts. Every query runs with `search_path = ''`, so every name
 * that pg_get_* and format_type print is qualified.
 */
const KINDS: KindQueries[] = [
  databaseQueries,
  roleQueries,
  schemaQueries,
  extensionQueries,
  defaultPrivilegesQueries,
  tableQueries,
  columnQueries,
  constraintQueries,
  indexQueries,
  sequenceQueries,
  viewQueries,
  routineQueries,
  triggerQueries,
  policyQueries,
  typeQueries,
  collationQueries,
  statisticsQueries,
  ruleQueries,
  publicationQueries,
];

/**
 * `sql` with its `$1::text[]` of tracker names written in: `trackers`, a text[] literal
 * (hash.ts, textArray). A state is read in one simple query or as statements prepared by SQL
 * `PREPARE`, neither of which takes parameters; a query without `$1` is left as it is.
 */
export function withTrackers(sql: string, trackers: string): string {
  return sql.replaceAll('$1::text[]', trackers);
}

/** The queries for a server, by `server_version_num`. */
export function catalogQueries(serverVersionNum: number): CatalogQuery[] {
  const version = catalogVersion(serverVersionNum);
  return KINDS.flatMap((kind) => kind(version));
}

/**
 * The tables whose data is fingerprinted: ordinary and partitioned tables outside trackers.
 * `stored`: whether the table can hold a row. An ordinary table whose main fork has no page has
 * none, so its fingerprint is known without planning a read of it: after migrations most tables
 * are empty, and planning a read of each (the planner opens every index too) was most of a
 * state hash on a wide schema (400 ms of 440 on 241 tables). A partitioned table has no storage
 * of its own and is read through its partitions.
 */
export const dataTablesQuery = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS relkind,
  c.relkind = 'p' OR pg_catalog.pg_relation_size(c.oid) > 0 AS stored
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND ${userRelation('c', 'n')} AND ${notTracker('n', 'c')}
ORDER BY 1, 2`;

/** Which of the given tracker tables exist (a tracker is created by the first run). */
export const trackerTablesQuery = `
SELECT n.nspname AS schema, c.relname AS name
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND (n.nspname || '.' || c.relname) = ANY ($1::text[])
ORDER BY 1, 2`;
