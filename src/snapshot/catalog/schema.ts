import type { KindQueries } from './query.js';
import { comment, privileges, userNamespace } from './sql.js';

/**
 * A schema of a tracker's own (TrackerSpec.schema, when not public) belongs to the tracker, like
 * the table: a tool may make it at a moment the schema under test knows nothing of (when it
 * records a failure).
 * `public` always stays.
 */
export const schemaQueries: KindQueries = () => [
  {
    kind: 'schema',
    takesTrackers: true,
    sql: `
SELECT 'schema:' || n.nspname AS path,
  pg_catalog.pg_get_userbyid(n.nspowner)::text AS owner,
  ${privileges('n.nspacl', 'n', 'n.nspowner')} AS privileges,
  ${comment('n.oid', 'pg_namespace')} AS comment
FROM pg_catalog.pg_namespace n
WHERE ${userNamespace('n')}
  AND (n.nspname = 'public' OR n.nspname <> ALL (
    SELECT pg_catalog.split_part(t, '.', 1) FROM pg_catalog.unnest($1::text[]) AS t))`,
  },
];
