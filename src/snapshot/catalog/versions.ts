/**
 * What the catalogs of each supported PostgreSQL major have that the others do not. A kind's
 * query asks its version entry for these pieces instead of branching in SQL; a new major gets
 * an entry here. Each `…Attributes` piece is a run of select-list items, each starting with a
 * comma, or '' where the major has no such column: an attribute a major lacks is absent, not
 * null, since snapshots are only compared within one major.
 */
export interface CatalogVersion {
  major: number;
  /** pg_database `d`: locale provider and locale beyond collate/ctype. */
  databaseLocaleAttributes: (d: string) => string;
  /** pg_auth_members `m`: one membership's options as a text expression (`admin`, `inherit`, `set`). */
  membershipOptions: (m: string) => string;
  /** pg_index `i`. */
  indexAttributes: (i: string) => string;
  /** pg_constraint `k`. */
  constraintAttributes: (k: string) => string;
  /** pg_collation `co`: locale, ICU rules. */
  collationAttributes: (co: string) => string;
  /** pg_statistic_ext `s`: the statistics target, NULL when it is the default. */
  statisticsTarget: (s: string) => string;
  /** pg_publication `p`: schemas, and tables with their column lists and row filters. */
  publicationAttributes: (p: string) => string;
  /** Database-local catalogs only this major has, for the raw digest: [catalog, OID column]. */
  rawCatalogs: [string, string][];
}

const membershipWords = (parts: string[]): string =>
  `pg_catalog.concat_ws(', ', ${parts.join(', ')})`;

// Tables of a publication, one text per table: the qualified name, then (15+) its column list and
// row filter as CREATE PUBLICATION would say them.
const publishedTables = (p: string, extra: string): string =>
  `, ARRAY(SELECT t FROM (SELECT rn.nspname || '.' || r.relname${extra} AS t
      FROM pg_catalog.pg_publication_rel pr
      JOIN pg_catalog.pg_class r ON r.oid = pr.prrelid
      JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
      WHERE pr.prpubid = ${p}.oid) x ORDER BY t COLLATE "C") AS tables`;

const pg14: CatalogVersion = {
  major: 14,
  databaseLocaleAttributes: () => '',
  membershipOptions: (m) =>
    membershipWords([`CASE WHEN ${m}.admin_option THEN 'admin' END`]),
  indexAttributes: () => '',
  constraintAttributes: () => '',
  collationAttributes: () => '',
  // -1 is "the default" before 17.
  statisticsTarget: (s) => `NULLIF(${s}.stxstattarget, -1)`,
  publicationAttributes: (p) => publishedTables(p, ''),
  rawCatalogs: [],
};

const pg15: CatalogVersion = {
  ...pg14,
  major: 15,
  databaseLocaleAttributes: (d) => `,
  CASE ${d}.datlocprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' ELSE ${d}.datlocprovider::text END AS "localeProvider",
  ${d}.daticulocale AS "iculocale"`,
  indexAttributes: (i) => `,
  ${i}.indnullsnotdistinct AS "nullsNotDistinct"`,
  collationAttributes: (co) => `,
  ${co}.colliculocale AS "iculocale"`,
  publicationAttributes: (p) =>
    publishedTables(
      p,
      ` || coalesce(' (' || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
            FROM pg_catalog.pg_attribute a WHERE a.attrelid = pr.prrelid AND a.attnum = ANY (pr.prattrs)) || ')', '')
        || coalesce(' WHERE (' || pg_catalog.pg_get_expr(pr.prqual, pr.prrelid) || ')', '')`,
    ) +
    `,
  ARRAY(SELECT s FROM (SELECT pn.nspname::text AS s FROM pg_catalog.pg_publication_namespace pp
      JOIN pg_catalog.pg_namespace pn ON pn.oid = pp.pnnspid WHERE pp.pnpubid = ${p}.oid) x
    ORDER BY s COLLATE "C") AS schemas`,
  rawCatalogs: [['pg_publication_namespace', 'oid']],
};

const pg16: CatalogVersion = {
  ...pg15,
  major: 16,
  databaseLocaleAttributes: (d) => `${pg15.databaseLocaleAttributes(d)},
  ${d}.daticurules AS "icuRules"`,
  membershipOptions: (m) =>
    membershipWords([
      `CASE WHEN ${m}.admin_option THEN 'admin' END`,
      `CASE WHEN ${m}.inherit_option THEN 'inherit' END`,
      `CASE WHEN ${m}.set_option THEN 'set' END`,
    ]),
  collationAttributes: (co) => `${pg15.collationAttributes(co)},
  ${co}.collicurules AS "icuRules"`,
};

// 17 renamed the ICU locale columns to a provider-neutral `…locale` (the builtin provider uses them).
const pg17: CatalogVersion = {
  ...pg16,
  major: 17,
  databaseLocaleAttributes: (d) => `,
  CASE ${d}.datlocprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' ELSE ${d}.datlocprovider::text END AS "localeProvider",
  ${d}.datlocale AS "locale",
  ${d}.daticurules AS "icuRules"`,
  collationAttributes: (co) => `,
  ${co}.colllocale AS "locale",
  ${co}.collicurules AS "icuRules"`,
  // NULL is "the default" from 17 on.
  statisticsTarget: (s) => `${s}.stxstattarget`,
};

const pg18: CatalogVersion = {
  ...pg17,
  major: 18,
  constraintAttributes: (k) => `,
  ${k}.conenforced AS enforced`,
};

const VERSIONS = [pg14, pg15, pg16, pg17, pg18];

/** The entry for a server's `server_version_num`; a newer major than we know reads like the newest. */
export function catalogVersion(serverVersionNum: number): CatalogVersion {
  const major = Math.floor(serverVersionNum / 10000);
  if (!Number.isFinite(major) || major < 14) {
    throw new Error(`PostgreSQL ${serverVersionNum} is not supported: snapshots need 14 or later`);
  }
  return VERSIONS.find((v) => v.major === major) ?? VERSIONS[VERSIONS.length - 1]!;
}
