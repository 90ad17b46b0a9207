import { describe, expect, test } from 'vitest';
import { relaxedNote } from '../../src/checks/compare.js';
import { differingColumns } from '../../src/snapshot/column-digests.js';
import { formatDifferences } from '../../src/snapshot/format.js';
import { relaxationOf, type MadeAnew } from '../../src/snapshot/made-anew.js';
import { rowsSql, unmatchedDigests } from '../../src/snapshot/relaxed.js';

const table = (schema: string, name: string, relkind = 'r') => ({ schema, name, relkind });

/** tenants (uuid key), plans (serial), plan_features (bigserial, key to plans), plan_limits (its key is a key to plans), notes (no sequence). */
function catalog(): MadeAnew {
  return {
    tables: {
      'public.tenants': table('public', 'tenants'),
      'public.plans': table('public', 'plans'),
      'public.plan_features': table('public', 'plan_features'),
      'public.plan_limits': table('public', 'plan_limits'),
      'public.limit_overrides': table('public', 'limit_overrides'),
      'public.notes': table('public', 'notes'),
    },
    sequenceFilled: [
      { schema: 'public', table: 'plans', column: 'id' },
      { schema: 'public', table: 'plan_features', column: 'id' },
    ],
    foreignKeys: [
      { schema: 'public', table: 'plan_features', column: 'plan_id', target: table('public', 'plans'), targetColumn: 'id' },
      // One-to-one: plan_limits.plan_id is its own key and a key to plans; limit_overrides points at it.
      { schema: 'public', table: 'plan_limits', column: 'plan_id', target: table('public', 'plans'), targetColumn: 'id' },
      { schema: 'public', table: 'limit_overrides', column: 'limit_plan_id', target: table('public', 'plan_limits'), targetColumn: 'plan_id' },
      { schema: 'public', table: 'plan_features', column: 'tenant_id', target: table('public', 'tenants'), targetColumn: 'id' },
    ],
    volatileDefaults: [
      { schema: 'public', table: 'tenants', column: 'id' },
      { schema: 'public', table: 'tenants', column: 'created_at' },
      { schema: 'public', table: 'notes', column: 'written_at' },
    ],
  };
}

describe('relaxationOf: which columns are compared how', () => {
  test('sequence-filled columns are renumbered, and foreign keys to them (through a chain) follow their numbering', () => {
    const rules = relaxationOf(catalog(), () => []);
    expect(rules['public.plans']).toEqual({ shape: [], renumber: ['id'], references: [] });
    expect(rules['public.plan_features']).toEqual({
      shape: [],
      renumber: ['id'],
      references: [{ column: 'plan_id', table: table('public', 'plans'), target: 'id' }],
    });
    expect(rules['public.limit_overrides']?.references).toEqual([{ column: 'limit_plan_id', table: table('public', 'plans'), target: 'id' }]);
    // A key to a uuid key is not renumbered: a uuid is not a sequence value.
    expect(rules['public.plan_features']?.references.map((k) => k.column)).not.toContain('tenant_id');
    expect(rules['public.notes']).toEqual({ shape: ['written_at'], renumber: [], references: [] });
  });

  test("shaped: the calibration's columns, and the catalog's volatile defaults (a random value can be the same twice)", () => {
    const seen: Record<string, string[]> = { 'public.tenants': ['created_at'], 'public.plans': [], 'public.plan_features': ['tenant_id'] };
    const rules = relaxationOf(catalog(), (t) => seen[t]);
    expect(rules['public.tenants']?.shape).toEqual(['created_at', 'id']);
    expect(rules['public.plan_features']?.shape).toEqual(['tenant_id']);
    // notes was not in the fresh state: its volatile default stands alone.
    expect(rules['public.notes']?.shape).toEqual(['written_at']);
    // Seen by the calibration with nothing differing, no volatile default: exact.
    expect(rules['public.plans']?.shape).toEqual([]);
  });

  test('a renumbered column the calibration found differing is compared by shape instead', () => {
    const rules = relaxationOf(catalog(), (t) => (t === 'public.plan_features' ? ['id', 'plan_id'] : []));
    expect(rules['public.plan_features']).toEqual({ shape: ['id', 'plan_id'], renumber: [], references: [] });
  });
});

describe('the SQL of a row as compared', () => {
  test('a table without rules reads to_jsonb(row), the exact fingerprint', () => {
    const sql = rowsSql(table('public', 'notes'));
    expect(sql).toBe('SELECT r.j::text AS t FROM (SELECT pg_catalog.to_jsonb(x.*) AS j FROM ONLY "public"."notes" x) r');
  });

  test('relaxed columns are replaced in the row; a partitioned table is read whole; names are quoted', () => {
    const sql = rowsSql(table('app', 'Events"x', 'p'), {
      shape: ["it's"],
      renumber: ['id'],
      references: [{ column: 'plan_id', table: table('public', 'plans'), target: 'id' }],
    });
    expect(sql).toContain('FROM "app"."Events""x" x');
    expect(sql).not.toContain('ONLY "app"');
    expect(sql).toContain(`'it''s', CASE WHEN`);
    expect(sql).toContain("dense_rank() OVER (ORDER BY (r.j -> 'id'))");
    expect(sql).toContain('FROM ONLY "public"."plans" y');
  });

  test('more than 40 relaxed columns are built in several jsonb_build_object calls (100 arguments at most each)', () => {
    const shape = Array.from({ length: 90 }, (_, i) => `c${i}`);
    const sql = rowsSql(table('public', 'wide'), { shape, renumber: [], references: [] });
    expect(sql.match(/jsonb_build_object\(/g)).toHaveLength(3);
  });
});

describe('unmatchedDigests', () => {
  test('is a multiset difference: an extra copy of a row is unmatched, a row on both sides is not', () => {
    expect(unmatchedDigests(['a', 'b', 'b', 'c'], ['b', 'a', 'd', 'a'])).toEqual({ expected: ['b', 'c'], found: ['a', 'd'] });
    expect(unmatchedDigests([], [])).toEqual({ expected: [], found: [] });
  });
});

describe('differingColumns', () => {
  test('columns whose values differ between two runs, per table on both sides', () => {
    const a = { 'public.t': { id: '1', at: 'x', name: 'n' }, 'public.only_a': { x: '1' }, 'public.empty': {} };
    const b = { 'public.t': { id: '1', at: 'y', name: 'n', extra: 'e' }, 'public.empty': {} };
    expect(differingColumns(a, b)).toEqual({ 'public.t': ['at', 'extra'], 'public.empty': [] });
  });
});

describe('relaxedNote', () => {
  test('names the columns compared by shape and those renumbered; nothing when every value was exact', () => {
    expect(relaxedNote([])).toBeNull();
    expect(relaxedNote([{ table: 'public.t', shape: [], renumbered: [] }])).toBeNull();
    expect(relaxedNote([{ table: 'public.t', shape: ['at', 'id'], renumbered: ['seq'] }])).toBe(
      'values of public.t.at, public.t.id compared by shape (NULL or not): they differ between two fresh runs; ' +
        'public.t.seq compared up to a renumbering that keeps their order: sequence values',
    );
  });
});

describe('a data difference in words', () => {
  test('shows the rows of each side that have no equal on the other, and how many more', () => {
    const lines = formatDifferences([
      {
        path: 'data:public.t',
        change: 'changed',
        expected: { rows: 2, hash: 'a', unmatched: [{ id: '#1', v: 1 }], unmatchedRows: 1 },
        found: { rows: 8, hash: 'b', unmatched: [{ id: '#1', v: 2 }], unmatchedRows: 7 },
      },
    ]);
    expect(lines).toEqual([
      '~ data:public.t  rows 2 → 8 (same schema, different data)',
      '    - {"id":"#1","v":1}',
      '    + {"id":"#1","v":2}',
      '    + … 6 more rows',
    ]);
  });
});
