/**
 * SQL fragments every kind's query shares. Every query runs with `search_path = ''`, so every name
 * that pg_get_*, format_type or a reg* cast prints is schema-qualified (pg_catalog's are not).
 */

/** Objects with an OID below this were made by initdb; a database's own start here. */
export const FIRST_NORMAL_OID = 16384;

/** Objects that belong to an extension are the extension's, not the migration set's. */
export const notExtensionMember = (catalog: string, oid: string): string =>
  `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
     WHERE d.classid = 'pg_catalog.${catalog}'::pg_catalog.regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

/** A schema the user made or may use: not a system one, not an extension's. pg_toast_temp_N matches 'pg\_toast%' too. */
export const userNamespace = (n: string): string =>
  `${n}.nspname NOT IN ('pg_catalog', 'information_schema')
   AND ${n}.nspname NOT LIKE 'pg\\_toast%'
   AND ${n}.nspname NOT LIKE 'pg\\_temp\\_%'
   AND ${notExtensionMember('pg_namespace', `${n}.oid`)}`;

/** A relation in a user schema that no extension owns. */
export const userRelation = (c: string, n: string): string =>
  `${userNamespace(n)} AND ${notExtensionMember('pg_class', `${c}.oid`)}`;

/**
 * The query's `$1 text[]` holds the qualified names of the runner's tracker tables, whose objects
 * are left out of the schema (they are read apart, as rows).
 */
export const notTracker = (n: string, c: string): string =>
  `(${n}.nspname || '.' || ${c}.relname) <> ALL ($1::text[])`;

/** A role's name; 0 (PUBLIC in ACLs and policies) reads `PUBLIC`. */
export const roleName = (oid: string): string =>
  `CASE WHEN ${oid} = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(${oid})::text END`;

/**
 * Privileges as a sorted, duplicate-free text array of `grantee:PRIVILEGE` (with ` WITH GRANT
 * OPTION` when grantable). A NULL ACL means the kind's default privileges for the owner, so it is
 * read through acldefault: a NULL ACL and the same privileges granted explicitly are equal. The
 * grantor is left out: it is the owner or someone the owner trusted, and it follows an owner
 * change, which has its own attribute.
 */
export const privileges = (acl: string, aclKind: string | undefined, owner: string): string => {
  // Without a kind (columns, default privileges) NULL means none: aclexplode is strict.
  const effective = aclKind === undefined ? acl : `coalesce(${acl}, pg_catalog.acldefault('${aclKind}', ${owner}))`;
  // Aliases of their own: the caller's query has its own `a`, `p` and `x`. The collated column
  // lets DISTINCT and ORDER BY share one sort.
  const exploded = `ARRAY(SELECT DISTINCT (${roleName('acl_item.grantee')} || ':' || acl_item.privilege_type
      || CASE WHEN acl_item.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) COLLATE "C"
    FROM pg_catalog.aclexplode(${effective}) acl_item ORDER BY 1)`;
  // Most columns have no ACL of their own: skip the subquery for them (it runs once a row).
  return aclKind === undefined ? `CASE WHEN ${acl} IS NULL THEN '{}'::text[] ELSE ${exploded} END` : exploded;
};

/** A set-like text array (reloptions, proconfig, rolconfig, role lists) in one fixed order. */
export const sortedArray = (array: string): string =>
  `ARRAY(SELECT e FROM pg_catalog.unnest(${array}::text[]) AS e ORDER BY e COLLATE "C")`;

/**
 * The comment on an object (objsubid 0) or on a column of it, or NULL. A subquery rather than
 * obj_description/col_description: those are SQL functions, and calling one for each of thousands
 * of rows costs more than the index lookup itself.
 */
export const comment = (oid: string, catalog: string, subId = '0'): string =>
  `(SELECT dsc.description FROM pg_catalog.pg_description dsc
     WHERE dsc.objoid = ${oid} AND dsc.classoid = 'pg_catalog.${catalog}'::pg_catalog.regclass AND dsc.objsubid = ${subId})`;

/**
 * comment() for a kind that seldom has one (indexes, constraints): the lookup runs for each object
 * only when the database holds a comment on some object of the kind, which one read of the user's
 * comments says first (an index lookup per row was a tenth of those kinds' queries). `relkinds`:
 * for pg_class, which relations the kind is. Objects of the database's own have OIDs from
 * FIRST_NORMAL_OID up.
 */
export const seldomComment = (oid: string, catalog: string, relkinds?: string): string => {
  const kindOf = relkinds ? ` JOIN pg_catalog.pg_class dr ON dr.oid = dd.objoid AND dr.relkind IN (${relkinds})` : '';
  return `CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_description dd${kindOf}
     WHERE dd.objoid >= ${FIRST_NORMAL_OID} AND dd.classoid = 'pg_catalog.${catalog}'::pg_catalog.regclass AND dd.objsubid = 0)
   THEN ${comment(oid, catalog)} END`;
};

/** `schema.name` of a relation, by OID (NULL for 0). */
export const relationName = (oid: string): string =>
  `(SELECT rn.nspname || '.' || r.relname FROM pg_catalog.pg_class r
     JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace WHERE r.oid = ${oid})`;

/**
 * `schema.table.name` of an object that belongs to a table (a constraint, a trigger), by OID; NULL
 * for 0. A partition's copy of its parent's constraint or trigger names its parent this way.
 */
export const tableMemberName = (catalog: 'pg_constraint' | 'pg_trigger', oid: string): string => {
  const [name, relation] = catalog === 'pg_constraint' ? ['conname', 'conrelid'] : ['tgname', 'tgrelid'];
  return `(SELECT mn.nspname || '.' || mc.relname || '.' || m.${name} FROM pg_catalog.${catalog} m
     JOIN pg_catalog.pg_class mc ON mc.oid = m.${relation}
     JOIN pg_catalog.pg_namespace mn ON mn.oid = mc.relnamespace WHERE m.oid = ${oid})`;
};

/** `schema.name` of a collation, by OID (NULL for 0). */
export const collationName = (oid: string): string =>
  `(SELECT cn.nspname || '.' || co.collname FROM pg_catalog.pg_collation co
     JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = ${oid})`;

/** A function's qualified name, by OID; NULL for 0 (`regproc` would print `-`). */
export const functionName = (oid: string): string =>
  `NULLIF(${oid}, 0)::pg_catalog.regproc::text`;

/** `relpersistence` in words. */
export const persistence = (c: string): string =>
  `CASE ${c}.relpersistence WHEN 'p' THEN 'permanent' WHEN 'u' THEN 'unlogged' ELSE 'temporary' END`;
