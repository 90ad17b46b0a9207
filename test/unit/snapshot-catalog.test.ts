import { describe, expect, test } from 'vitest';
import { catalogQueries } from '../../src/snapshot/catalog.js';
import { privileges, sortedArray } from '../../src/snapshot/catalog/sql.js';
import { catalogVersion } from '../../src/snapshot/catalog/versions.js';
import { snapshotHash } from '../../src/snapshot/snapshot.js';
import { OBJECT_KINDS, type Snapshot } from '../../src/snapshot/types.js';

const MAJORS = [14, 15, 16, 17, 18];

describe('catalog versions', () => {
  test('each supported major has its own entry; a newer one reads like the newest', () => {
    for (const major of MAJORS) expect(catalogVersion(major * 10000 + 3).major).toBe(major);
    expect(catalogVersion(190001).major).toBe(18);
  });

  test('a server before 14 is refused with the reason', () => {
    expect(() => catalogVersion(130012)).toThrow(/PostgreSQL 130012 is not supported: snapshots need 14 or later/);
    expect(() => catalogVersion(Number.NaN)).toThrow(/not supported/);
  });

  const sqlOf = (major: number, kind: string): string =>
    catalogQueries(major * 10000)
      .filter((q) => q.kind === kind)
      .map((q) => q.sql)
      .join('\n');

  test('columns that only some majors have are read only there', () => {
    expect(sqlOf(14, 'index')).not.toContain('indnullsnotdistinct');
    for (const major of [15, 16, 17, 18]) expect(sqlOf(major, 'index')).toContain('indnullsnotdistinct');
    expect(sqlOf(17, 'constraint')).not.toContain('conenforced');
    expect(sqlOf(18, 'constraint')).toContain('conenforced');
    expect(sqlOf(14, 'collation')).not.toMatch(/colliculocale|colllocale/);
    expect(sqlOf(15, 'collation')).toContain('colliculocale');
    expect(sqlOf(16, 'collation')).toContain('collicurules');
    expect(sqlOf(17, 'collation')).toContain('colllocale');
    expect(sqlOf(17, 'collation')).not.toContain('colliculocale');
    expect(sqlOf(14, 'database')).not.toContain('datlocprovider');
    expect(sqlOf(17, 'database')).toContain('datlocale');
    expect(sqlOf(14, 'role')).not.toContain('inherit_option');
    expect(sqlOf(16, 'role')).toContain('inherit_option');
    expect(sqlOf(14, 'publication')).not.toContain('pg_publication_namespace');
    expect(sqlOf(15, 'publication')).toContain('pg_publication_namespace');
    expect(sqlOf(16, 'statistics')).toContain('-1');
    expect(sqlOf(17, 'statistics')).not.toContain('-1');
  });
});

describe('catalog queries', () => {
  test.each(MAJORS)('on %i every kind has a query, and every query names paths of its kind', (major) => {
    const queries = catalogQueries(major * 10000);
    expect([...new Set(queries.map((q) => q.kind))].sort()).toEqual([...OBJECT_KINDS].sort());
    for (const query of queries) {
      expect(query.sql).toContain(`'${query.kind}:`);
      // node-postgres fails a query that is given a parameter it does not use, and the reverse.
      expect(query.sql.includes('$1::text[]')).toBe(query.takesTrackers);
      // Never an OID, attnum or node tree as an attribute.
      // (An OID may be an inner subquery's join key, never an attribute.)
      expect(query.sql).not.toMatch(/\.oid AS (?!objid\b)|attnum AS|conkey|adbin AS|atthasmissing|attmissingval|last_value/);
    }
  });

  test('privileges read a NULL ACL as the kind defaults for the owner, and drop the grantor', () => {
    const table = privileges('c.relacl', 'r', 'c.relowner');
    expect(table).toContain(`coalesce(c.relacl, pg_catalog.acldefault('r', c.relowner))`);
    expect(table).not.toContain('grantor');
    expect(table).toContain('DISTINCT');
    expect(table).toMatch(/COLLATE "C"\s+FROM pg_catalog.aclexplode/);
    // A column's or a default-privileges' NULL ACL is no privileges: no acldefault.
    expect(privileges('a.attacl', undefined, 'c.relowner')).not.toContain('acldefault');
  });

  test('set-like arrays are sorted by code unit, not by the locale', () => {
    expect(sortedArray('c.reloptions')).toBe(
      'ARRAY(SELECT e FROM pg_catalog.unnest(c.reloptions::text[]) AS e ORDER BY e COLLATE "C")',
    );
  });
});

describe('snapshotHash', () => {
  const snapshot = (postgres?: Snapshot['postgres']): Snapshot => ({
    format: 2,
    ...(postgres ? { postgres } : {}),
    objects: { 'schema:public': { kind: 'schema', owner: 'postgres', privileges: [], comment: null } },
    data: {},
    trackers: {},
  });

  test('the server version is not part of the state', () => {
    const a = snapshotHash(snapshot({ major: 17, versionNum: 170002 }));
    expect(snapshotHash(snapshot({ major: 17, versionNum: 170010 }))).toBe(a);
    expect(snapshotHash(snapshot())).toBe(a);
  });

  test('the objects are', () => {
    const changed = snapshot();
    changed.objects['schema:public'] = { kind: 'schema', owner: 'someone', privileges: [], comment: null };
    expect(snapshotHash(changed)).not.toBe(snapshotHash(snapshot()));
  });
});
