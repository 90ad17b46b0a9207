import type { KindQueries } from './query.js';
import { comment } from './sql.js';

/** Publications for logical replication: what they publish, and which tables (or schemas, 15+). */
export const publicationQueries: KindQueries = (v) => [
  {
    kind: 'publication',
    sources: ['pg_publication'],
    takesTrackers: false,
    sql: `
SELECT 'publication:' || p.pubname AS path,
  p.puballtables AS "allTables",
  ARRAY(SELECT x FROM (VALUES ('delete', p.pubdelete), ('insert', p.pubinsert), ('truncate', p.pubtruncate),
      ('update', p.pubupdate)) o (x, published) WHERE published) AS operations,
  p.pubviaroot AS "viaRoot"${v.publicationAttributes('p')},
  pg_catalog.pg_get_userbyid(p.pubowner)::text AS owner,
  ${comment('p.oid', 'pg_publication')} AS comment
FROM pg_catalog.pg_publication p`,
  },
];
