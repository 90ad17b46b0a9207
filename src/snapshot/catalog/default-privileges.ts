import type { KindQueries } from './query.js';
import { privileges } from './sql.js';

/**
 * ALTER DEFAULT PRIVILEGES, one object per role, schema (or every schema) and object type:
 * `default-privileges:<role>.<schema>.<objects>` or `default-privileges:<role>.<objects>`. The
 * ACL stored is the whole set of privileges new objects get, so it is read as it is.
 */
export const defaultPrivilegesQueries: KindQueries = () => [
  {
    kind: 'default-privileges',
    sources: ['pg_default_acl'],
    takesTrackers: false,
    sql: `
SELECT 'default-privileges:' || pg_catalog.pg_get_userbyid(a.defaclrole)::text
    || coalesce('.' || n.nspname, '') || '.' || t.objects AS path,
  pg_catalog.pg_get_userbyid(a.defaclrole)::text AS role,
  n.nspname::text AS schema,
  t.objects AS objects,
  ${privileges('a.defaclacl', undefined, 'a.defaclrole')} AS privileges
FROM pg_catalog.pg_default_acl a
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = a.defaclnamespace
CROSS JOIN LATERAL (SELECT CASE a.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences'
    WHEN 'f' THEN 'functions' WHEN 'T' THEN 'types' WHEN 'n' THEN 'schemas' WHEN 'L' THEN 'large objects'
    ELSE a.defaclobjtype::text END AS objects) t`,
  },
];
