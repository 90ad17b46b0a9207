import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { dataArbitrary } from '../../src/data/arbitraries.js';
import type { RawType } from '../../src/data/kinds.js';
import { shapesOf, type RawColumn, type RawTable } from '../../src/data/shapes.js';
import type { Cell, DataPlan, Ref, Shapes } from '../../src/data/types.js';
import { arrayLiteral } from '../../src/data/values.js';

const type = (oid: number, name: string, extra: Partial<RawType> = {}): RawType => ({
  oid, schema: 'pg_catalog', name, type: 'b', category: 'N', elem: 0, base: 0, typmod: -1, notNull: false, hasDefault: false, rangeOf: null, labels: null, checks: [], ...extra,
});
const TYPES = [type(16, 'bool'), type(23, 'int4'), type(25, 'text', { category: 'S' }), type(1043, 'varchar', { category: 'S' }), type(1700, 'numeric'), type(1082, 'date')];
const col = (name: string, typeOid: number, extra: Partial<RawColumn> = {}): RawColumn => ({
  name, type: String(typeOid), typeOid, typmod: -1, notNull: false, default: null, identity: '', generated: '', ...extra,
});
const table = (name: string, extra: Partial<RawTable>): RawTable => ({
  schema: 'public', name, kind: 'r', partitionOf: null, owner: 'app', rowSecurity: false, forceRowSecurity: false, ownerMember: true,
  extension: null, columns: [], keys: [], foreignKeys: [], checks: [], ...extra,
});
const shapesFor = (tables: RawTable[]): Shapes => shapesOf({ user: 'postgres', superuser: true, bypassRowSecurity: true, tables, types: TYPES });

const SHAPES = shapesFor([
  table('parent', { columns: [col('id', 23, { identity: 'a', notNull: true }), col('code', 25, { notNull: true }), col('n', 23), col('price', 1700, { typmod: (5 << 16) + 2 + 4 }), col('short', 1043, { typmod: 3 + 4 })], keys: [['id'], ['code']] }),
  table('child', {
    columns: [col('id', 23, { notNull: true }), col('parent_id', 23, { notNull: true }), col('up', 23), col('note', 25), col('qty', 23, { notNull: true }), col('kind', 25, { notNull: true }), col('starts', 1082), col('ends', 1082)],
    keys: [['id'], ['parent_id', 'note']],
    foreignKeys: [{ name: 'child_parent', columns: ['parent_id'], parent: 'public.parent', parentColumns: ['id'] }, { name: 'child_up', columns: ['up'], parent: 'public.child', parentColumns: ['id'] }],
    checks: ['CHECK ((qty >= 0))', "CHECK ((kind = ANY (ARRAY['a'::text, 'b'::text])))", 'CHECK (((ends IS NULL) OR (ends >= starts)))'],
  }),
  table('flag', { columns: [col('on', 16, { notNull: true })], keys: [['on']] }),
]);

const samples = (seed: number, n: number, rows = 5): DataPlan[] => fc.sample(dataArbitrary(SHAPES, { rows }), { seed, numRuns: n });
const column = (plan: DataPlan, t: number, name: string): Cell[] => plan.tables[t]!.rows.map((r) => r[plan.tables[t]!.columns.indexOf(name)]!);
const isRef = (c: Cell): c is Ref => c !== null && typeof c === 'object';

describe('dataArbitrary', () => {
  test('deterministic for a seed; another seed gives other rows', () => {
    expect(samples(7, 20)).toEqual(samples(7, 20));
    expect(samples(8, 20)).not.toEqual(samples(7, 20));
  });

  test('writes what the generator owns: not the identity column', () => {
    const [plan] = samples(1, 1);
    expect(plan!.tables.map((t) => t.columns)).toEqual([
      ['code', 'n', 'price', 'short'],
      ['id', 'parent_id', 'up', 'note', 'qty', 'kind', 'starts', 'ends'],
      ['on'],
    ]);
  });

  test('at most `rows` rows, exactly `rows` with minRows, distinct in every unique key', () => {
    for (const plan of fc.sample(dataArbitrary(SHAPES, { rows: 20, minRows: 20 }), { seed: 3, numRuns: 50 })) {
      expect(plan.tables[0]!.rows).toHaveLength(20);
      expect(new Set(column(plan, 0, 'code')).size).toBe(20);
      expect(new Set(column(plan, 1, 'id')).size).toBe(plan.tables[1]!.rows.length);
      // A row clashing in two keys at once gets a repair for each.
      expect(plan.tables[1]!.rows).toHaveLength(20);
      const pairs = plan.tables[1]!.rows.filter((r) => r[3] !== null).map((r) => JSON.stringify([(r[1] as Ref).row, r[3]]));
      expect(new Set(pairs).size).toBe(pairs.length);
      // A boolean key has two values: the other rows are dropped, not repeated.
      expect(new Set(column(plan, 2, 'on')).size).toBe(plan.tables[2]!.rows.length);
      expect(plan.tables[2]!.rows.length).toBeLessThanOrEqual(2);
    }
    for (const plan of samples(4, 50)) for (const t of plan.tables) expect(t.rows.length).toBeLessThanOrEqual(5);
  });

  test('leans toward what breaks migrations: NULLs, empty and non-ASCII and long text, numeric text beside other text, boundaries, repeats', () => {
    const plans = samples(11, 300);
    const notes = plans.flatMap((p) => column(p, 1, 'note'));
    const codes = plans.flatMap((p) => column(p, 0, 'code')) as string[];
    const ns = plans.flatMap((p) => column(p, 0, 'n'));
    expect(notes).toContain(null);
    expect(codes).toContain('');
    expect(codes.some((c) => /[^\x00-\x7f]/.test(c))).toBe(true);
    expect(codes.some((c) => c.length > 255)).toBe(true);
    expect(codes.some((c) => /^-?\d+$/.test(c))).toBe(true);
    expect(codes.some((c) => c !== '' && !/^-?\d+$/.test(c.trim()))).toBe(true);
    expect(ns).toEqual(expect.arrayContaining(['2147483647', '-2147483648', '0', null]));
    // The same value twice in a column without a unique key, within one plan.
    expect(plans.filter((p) => { const v = column(p, 0, 'n').filter((x) => x !== null); return new Set(v).size < v.length; }).length).toBeGreaterThan(30);
    expect(codes.every((c) => !c.includes('\u0000'))).toBe(true);
  });

  test('keeps to typmods and to the CHECKs it can read', () => {
    for (const plan of samples(5, 200)) {
      for (const p of column(plan, 0, 'price')) if (p !== null) expect(Math.abs(Number(p))).toBeLessThan(1000);
      for (const s of column(plan, 0, 'short')) if (s !== null) expect(Array.from(s as string).length).toBeLessThanOrEqual(3);
      for (const q of column(plan, 1, 'qty')) expect(Number(q)).toBeGreaterThanOrEqual(0);
      for (const k of column(plan, 1, 'kind')) expect(['a', 'b']).toContain(k);
      for (const r of plan.tables[1]!.rows) if (r[6] !== null && r[7] !== null) expect((r[7] as string) >= (r[6] as string)).toBe(true);
    }
  });

  test('references: to the parent by index, a NOT NULL one always, a nullable self-reference sometimes NULL', () => {
    const plans = samples(9, 200);
    const parents = plans.flatMap((p) => column(p, 1, 'parent_id'));
    const ups = plans.flatMap((p) => column(p, 1, 'up'));
    expect(parents.every((c) => isRef(c) && c.parent === 0 && c.row >= 0 && c.row < 5)).toBe(true);
    expect(ups).toContain(null);
    expect(ups.some((c) => isRef(c) && c.parent === 1)).toBe(true);
  });

  test('a failing case shrinks to the one row that matters', () => {
    // A "migration" that fails as soon as one child row has a note.
    const out = fc.check(fc.property(dataArbitrary(SHAPES, { rows: 5 }), (plan) => column(plan, 1, 'note').every((n) => n === null)), { seed: 1 });
    expect(out.failed).toBe(true);
    const [plan] = out.counterexample!;
    expect(plan.tables.map((t) => t.rows.length)).toEqual([0, 1, 0]);
    const row = plan.tables[1]!.rows[0]!;
    // Everything but the note shrank to its simplest value.
    expect(row[2]).toBeNull();
    expect(row[1]).toEqual({ parent: 0, row: 0 });
    expect(out.counterexamplePath).toBeTruthy();
  });
});

test('arrayLiteral quotes every element', () => {
  expect(arrayLiteral(['a', null, 'say "hi"', 'back\\slash', ''])).toBe('{"a",NULL,"say \\"hi\\"","back\\\\slash",""}');
});
