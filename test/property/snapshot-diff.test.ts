import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/snapshot/canonical.js';
import { differingColumns, type ColumnDigests } from '../../src/snapshot/column-digests.js';
import { diffSnapshots, type DiffOptions } from '../../src/snapshot/diff.js';
import { unmatchedDigests } from '../../src/snapshot/relaxed.js';
import type { Difference, Snapshot, SnapshotObject } from '../../src/snapshot/types.js';

/*
 * The snapshot diff over random snapshots that hold together as a catalog does: a table lists the
 * columns it has, a role is there because it owns something. Values come from small domains, and
 * the second snapshot is often the first with one change, so that equal and nearly equal pairs
 * are common.
 */

const TABLES = ['public.a', 'public.b', 'app.c'];
const COLUMNS = ['id', 'x', 'y'];
const OWNERS = ['app', 'admin'];
const GRANTS = [[], ['app=r/admin'], ['app=arwd/admin', 'ro=r/admin']];

interface Table {
  name: string;
  columns: { name: string; type: string; notNull: boolean }[];
  owner: string;
  privileges: string[];
  index?: string;
  rows: number;
  hash: string;
}
interface World {
  tables: Table[];
  defaultPrivileges?: string[];
  tracker: string[];
}

const tableArbitrary = (name: string): fc.Arbitrary<Table> =>
  fc.record({
    name: fc.constant(name),
    columns: fc
      .shuffledSubarray(COLUMNS, { minLength: 1 })
      .chain((names) => fc.tuple(...names.map((c) => fc.record({ name: fc.constant(c), type: fc.constantFrom('integer', 'text'), notNull: fc.boolean() })))),
    owner: fc.constantFrom(...OWNERS),
    privileges: fc.constantFrom(...GRANTS),
    index: fc.option(fc.constantFrom('btree (id)', 'btree (x, id)'), { nil: undefined }),
    rows: fc.integer({ min: 0, max: 2 }),
    hash: fc.constantFrom('h0', 'h1'),
  });

const worldArbitrary: fc.Arbitrary<World> = fc.record({
  tables: fc.subarray(TABLES).chain((names) => fc.tuple(...names.map(tableArbitrary))),
  defaultPrivileges: fc.option(fc.constantFrom(...GRANTS), { nil: undefined }),
  tracker: fc.subarray(['1', '2', '3']),
});

function snapshotOf(world: World): Snapshot {
  const objects: Record<string, SnapshotObject> = {};
  const data: Snapshot['data'] = {};
  for (const t of world.tables) {
    objects[`table:${t.name}`] = { kind: 'table', owner: t.owner, privileges: t.privileges, columns: t.columns.map((c) => c.name) };
    for (const c of t.columns) objects[`column:${t.name}.${c.name}`] = { kind: 'column', type: c.type, notNull: c.notNull };
    if (t.index) objects[`index:${t.name}_idx`] = { kind: 'index', definition: t.index, owner: t.owner };
    objects[`role:${t.owner}`] = { kind: 'role', login: t.owner === 'app' };
    data[t.name] = { rows: t.rows, hash: t.hash };
  }
  if (world.defaultPrivileges) objects['default-privileges:admin'] = { kind: 'default-privileges', grants: world.defaultPrivileges };
  return { format: 2, objects, data, trackers: { 'public.schema_migrations': world.tracker.map((version) => ({ version })) } };
}

/** One change to a world, of the kinds a migration makes. */
function changed(world: World): fc.Arbitrary<World> {
  const table = (f: (t: Table) => fc.Arbitrary<Table>): fc.Arbitrary<World> =>
    world.tables.length === 0 ? fc.constant(world) : fc.nat(world.tables.length - 1).chain((i) => f(world.tables[i]!).map((t) => ({ ...world, tables: world.tables.map((u, j) => (j === i ? t : u)) })));
  return fc.oneof(
    table((t) => fc.shuffledSubarray(t.columns, { minLength: t.columns.length, maxLength: t.columns.length }).map((columns) => ({ ...t, columns }))),
    table((t) => fc.shuffledSubarray(t.columns, { minLength: 1, maxLength: t.columns.length }).map((columns) => ({ ...t, columns }))),
    table((t) => fc.constantFrom(...OWNERS).map((owner) => ({ ...t, owner }))),
    table((t) => fc.constantFrom(...GRANTS).map((privileges) => ({ ...t, privileges }))),
    table((t) => fc.constantFrom('h0', 'h1').map((hash) => ({ ...t, hash }))),
    table((t) => fc.constantFrom('integer', 'text').map((type) => ({ ...t, columns: t.columns.map((c, i) => (i === 0 ? { ...c, type } : c)) }))),
    fc.option(fc.constantFrom(...GRANTS), { nil: undefined }).map((defaultPrivileges) => ({ ...world, defaultPrivileges })),
    fc.subarray(['1', '2', '3']).map((tracker) => ({ ...world, tracker })),
  );
}

const pair: fc.Arbitrary<[Snapshot, Snapshot]> = fc.oneof(
  fc.tuple(worldArbitrary, worldArbitrary).map(([a, b]) => [snapshotOf(a), snapshotOf(b)] as [Snapshot, Snapshot]),
  worldArbitrary.chain((a) => changed(a).map((b) => [snapshotOf(a), snapshotOf(b)] as [Snapshot, Snapshot])),
  worldArbitrary.map((a) => [snapshotOf(a), snapshotOf(structuredClone(a))] as [Snapshot, Snapshot]),
);

const optionsArbitrary: fc.Arbitrary<DiffOptions> = fc.record({ ignoreColumnOrder: fc.boolean(), ignoreOwners: fc.boolean(), ignorePrivileges: fc.boolean(), includeTrackers: fc.boolean() }, { requiredKeys: [] });

const paths = (diffs: Difference[]): string[] => diffs.map((d) => d.path);
const state = (s: Snapshot): string => canonicalJson({ objects: s.objects, data: s.data, trackers: s.trackers });

describe('snapshot diff', () => {
  it('a snapshot has no difference with itself, however it is compared', () => {
    fc.assert(
      fc.property(worldArbitrary, optionsArbitrary, (world, options) => {
        expect(diffSnapshots(snapshotOf(world), snapshotOf(world), options)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('compared exactly (trackers included), two snapshots have no difference iff they are equal', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(diffSnapshots(a, b, { includeTrackers: true }).length === 0).toBe(state(a) === state(b));
      }),
      { numRuns: 150 },
    );
  });

  it('is symmetric: the same paths both ways, added and missing swapped, expected and found swapped', () => {
    fc.assert(
      fc.property(pair, optionsArbitrary, ([a, b], options) => {
        const forth = diffSnapshots(a, b, options);
        const back = diffSnapshots(b, a, options);
        const swap = { added: 'missing', missing: 'added', changed: 'changed' } as const;
        expect(back).toEqual(forth.map((d) => ({ path: d.path, change: swap[d.change], ...(d.found !== undefined ? { expected: d.found } : {}), ...(d.expected !== undefined ? { found: d.expected } : {}) })));
      }),
      { numRuns: 150 },
    );
  });

  it('lists each path once, sorted; a changed object holds only the attributes that differ', () => {
    fc.assert(
      fc.property(pair, optionsArbitrary, ([a, b], options) => {
        const diffs = diffSnapshots(a, b, options);
        const list = paths(diffs);
        expect(list).toEqual([...new Set(list)].sort());
        for (const d of diffs) {
          if (d.change !== 'changed' || d.path.startsWith('data:') || d.path.startsWith('tracker:')) continue;
          const expected = d.expected as Record<string, unknown>;
          const found = d.found as Record<string, unknown>;
          expect(Object.keys(found).sort()).toEqual(Object.keys(expected).sort());
          for (const key of Object.keys(expected)) expect(canonicalJson(expected[key])).not.toBe(canonicalJson(found[key]));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a relaxed comparison only leaves differences out, never adds one', () => {
    fc.assert(
      fc.property(pair, optionsArbitrary, ([a, b], options) => {
        const relaxed = paths(diffSnapshots(a, b, { ...options, includeTrackers: true }));
        const exact = new Set(paths(diffSnapshots(a, b, { includeTrackers: true })));
        expect(relaxed.filter((p) => !exact.has(p))).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('each relaxation leaves out exactly what it is named for: column order, owners, privileges, tracker rows', () => {
    const change = (world: World, f: (t: Table) => Table): World => ({ ...world, tables: world.tables.map(f) });
    fc.assert(
      fc.property(worldArbitrary, fc.nat(), fc.constantFrom(...OWNERS), fc.constantFrom(...GRANTS), fc.option(fc.constantFrom(...GRANTS), { nil: undefined }), (world, seed, owner, privileges, defaultPrivileges) => {
        const a = snapshotOf(world);
        const reordered = snapshotOf(change(world, (t) => ({ ...t, columns: [...t.columns.slice(seed % t.columns.length), ...t.columns.slice(0, seed % t.columns.length)] })));
        expect(diffSnapshots(a, reordered, { ignoreColumnOrder: true })).toEqual([]);
        expect(paths(diffSnapshots(a, reordered)).every((p) => p.startsWith('table:'))).toBe(true);
        const reowned = snapshotOf(change(world, (t) => ({ ...t, owner })));
        expect(diffSnapshots(a, reowned, { ignoreOwners: true })).toEqual([]);
        const regranted = snapshotOf({ ...change(world, (t) => ({ ...t, privileges })), ...(defaultPrivileges ? { defaultPrivileges } : { defaultPrivileges: undefined }) });
        expect(diffSnapshots(a, regranted, { ignorePrivileges: true })).toEqual([]);
        const tracked = snapshotOf({ ...world, tracker: [...world.tracker, '9'] });
        expect(diffSnapshots(a, tracked)).toEqual([]);
        expect(paths(diffSnapshots(a, tracked, { includeTrackers: true }))).toEqual(['tracker:public.schema_migrations']);
      }),
      { numRuns: 150 },
    );
  });
});

describe('relaxed row comparison: unmatched rows', () => {
  const digests = fc.array(fc.constantFrom('d1', 'd2', 'd3', 'd4'), { maxLength: 8 });
  const count = (list: string[]): Record<string, number> => list.reduce<Record<string, number>>((m, d) => ({ ...m, [d]: (m[d] ?? 0) + 1 }), {});

  it('are the multiset differences: what each side has beyond the other, a duplicated row counted', () => {
    fc.assert(
      fc.property(digests, digests, (expected, found) => {
        const u = unmatchedDigests(expected, found);
        const [e, f] = [count(expected), count(found)];
        const beyond = (x: Record<string, number>, y: Record<string, number>): string[] => Object.keys(x).sort().flatMap((d) => Array.from({ length: Math.max(0, x[d]! - (y[d] ?? 0)) }, () => d));
        expect(u).toEqual({ expected: beyond(e, f), found: beyond(f, e) });
        expect(unmatchedDigests(found, expected)).toEqual({ expected: u.found, found: u.expected });
        expect(unmatchedDigests(expected, [...expected].reverse())).toEqual({ expected: [], found: [] });
      }),
      { numRuns: 150 },
    );
  });

  it('differing columns: none between a state and itself, the same both ways, and exactly the columns whose digests differ', () => {
    const table = fc.dictionary(fc.constantFrom(...COLUMNS), fc.constantFrom('m1', 'm2'));
    const states: fc.Arbitrary<ColumnDigests> = fc.dictionary(fc.constantFrom(...TABLES), table);
    fc.assert(
      fc.property(states, states, (a, b) => {
        const ab = differingColumns(a, b);
        expect(Object.values(differingColumns(a, a)).flat()).toEqual([]);
        expect(ab).toEqual(differingColumns(b, a));
        expect(Object.keys(ab).sort()).toEqual(Object.keys(a).filter((t) => t in b).sort());
        for (const [t, columns] of Object.entries(ab)) {
          expect(columns).toEqual(COLUMNS.filter((c) => (c in a[t]! || c in b[t]!) && a[t]![c] !== b[t]![c]));
        }
      }),
      { numRuns: 150 },
    );
  });
});
