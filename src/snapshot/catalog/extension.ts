import type { KindQueries } from './query.js';
import { comment } from './sql.js';

/** Extensions by name, with the version installed and the schema they went into. */
export const extensionQueries: KindQueries = () => [
  {
    kind: 'extension',
    takesTrackers: false,
    sql: `
SELECT 'extension:' || e.extname AS path,
  e.extversion AS version,
  n.nspname::text AS schema,
  ${comment('e.oid', 'pg_extension')} AS comment
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace`,
  },
];
