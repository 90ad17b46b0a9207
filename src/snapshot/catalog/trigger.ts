import type { KindQueries } from './query.js';
import { comment, functionName, notTracker, sortedArray, tableMemberName, userRelation } from './sql.js';

const enabled = (column: string): string =>
  `CASE ${column} WHEN 'O' THEN 'origin' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always' END`;

/**
 * Table triggers (not the internal ones behind foreign keys and deferred unique constraints) and
 * event triggers. Event triggers are database-wide: their key is their name.
 */
export const triggerQueries: KindQueries = () => [
  {
    kind: 'trigger',
    sources: ['pg_trigger'],
    takesTrackers: true,
    sql: `
SELECT 'trigger:' || n.nspname || '.' || c.relname || '.' || t.tgname AS path,
  n.nspname || '.' || c.relname AS "table",
  pg_catalog.pg_get_triggerdef(t.oid, true) AS definition,
  ${enabled('t.tgenabled')} AS enabled,
  -- A partition's clone of its parent's trigger.
  ${tableMemberName('pg_trigger', 't.tgparentid')} AS parent,
  ${comment('t.oid', 'pg_trigger')} AS comment
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
-- PostgreSQL 14 marks a partition's clone of its parent's row trigger internal (15 and later do
-- not); foreign keys' own triggers are internal and belong to a constraint on every version.
WHERE (NOT t.tgisinternal OR (t.tgparentid <> 0 AND t.tgconstraint = 0))
  AND ${userRelation('c', 'n')} AND ${notTracker('n', 'c')}`,
  },
  {
    kind: 'event-trigger',
    sources: ['pg_event_trigger'],
    takesTrackers: false,
    sql: `
SELECT 'event-trigger:' || e.evtname AS path,
  e.evtevent::text AS event,
  ${functionName('e.evtfoid')} AS function,
  ${sortedArray('e.evttags')} AS tags,
  ${enabled('e.evtenabled')} AS enabled,
  pg_catalog.pg_get_userbyid(e.evtowner)::text AS owner,
  ${comment('e.oid', 'pg_event_trigger')} AS comment
FROM pg_catalog.pg_event_trigger e
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
  WHERE d.classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass AND d.objid = e.oid AND d.deptype = 'e')`,
  },
];
