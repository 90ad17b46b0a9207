import { describe, expect, test } from 'vitest';
import type { RawType } from '../../src/data/kinds.js';
import { shapesOf, type RawCatalog, type RawColumn, type RawTable } from '../../src/data/shapes.js';

const type = (oid: number, name: string, extra: Partial<RawType> = {}): RawType => ({
  oid, schema: 'pg_catalog', name, type: 'b', category: 'N', elem: 0, base: 0, typmod: -1, notNull: false, hasDefault: false, rangeOf: null, labels: null, checks: [], ...extra,
});
const TYPES: RawType[] = [
  type(23, 'int4'), type(25, 'text', { category: 'S' }), type(600, 'point', { category: 'G' }), type(1043, 'varchar', { category: 'S' }),
  type(1007, '_int4', { category: 'A', elem: 23 }), type(1700, 'numeric'),
  type(90001, 'mood', { schema: 'app', type: 'e', category: 'E', labels: ['sad', 'ok'] }),
  type(90002, 'amount', { schema: 'app', type: 'd', base: 1700, typmod: (10 << 16) + 2 + 4, notNull: true, checks: ['CHECK ((VALUE >= (0)::numeric))'] }),
  type(90003, 'empty_enum', { schema: 'app', type: 'e', category: 'E', labels: [] }),
];
const col = (name: string, typeOid: number, extra: Partial<RawColumn> = {}): RawColumn => ({
  name, type: String(typeOid), typeOid, typmod: -1, notNull: false, default: null, identity: '', generated: '', ...extra,
});
const table = (name: string, extra: Partial<RawTable> = {}): RawTable => ({
  schema: 'public', name, kind: 'r', partitionOf: null, owner: 'app', rowSecurity: false, forceRowSecurity: false, ownerMember: true,
  extension: null, columns: [col('id', 23, { notNull: true })], keys: [['id']], foreignKeys: [], checks: [], ...extra,
});
const fk = (name: string, columns: string[], parent: string) => ({ name, columns, parent: `public.${parent}`, parentColumns: ['id'] });
const catalog = (tables: RawTable[]): RawCatalog => ({ user: 'postgres', superuser: true, bypassRowSecurity: true, tables, types: TYPES });

describe('shapesOf', () => {
  test('parents come before children whatever the names', () => {
    const shapes = shapesOf(catalog([
      table('a_child', { columns: [col('id', 23), col('p', 23, { notNull: true })], foreignKeys: [fk('c_p', ['p'], 'z_parent')] }),
      table('z_parent'),
    ]));
    expect(shapes.tables.map((t) => t.name)).toEqual(['z_parent', 'a_child']);
    expect(shapes.tables[1]!.foreignKeys[0]).toMatchObject({ parent: 0, nullable: false });
    expect(shapes.tables[0]!.referenced).toEqual(['id']);
  });

  test('columns: identity, serial and generated are the server\'s; domains resolve to their base, NOT NULL and checks included', () => {
    const shapes = shapesOf(catalog([table('t', {
      columns: [
        col('a', 23, { identity: 'a', notNull: true }), col('b', 23, { identity: 'd' }), col('c', 23, { default: "nextval('t_c_seq'::regclass)" }),
        col('d', 23, { generated: 's' }), col('e', 90001), col('f', 90002), col('g', 1043, { typmod: 36 }), col('h', 1007), col('i', 600),
      ],
    })]));
    const byName = Object.fromEntries(shapes.tables[0]!.columns.map((c) => [c.name, c]));
    expect(byName.a).toMatchObject({ serverMade: 'identity always', written: false });
    expect(byName.b).toMatchObject({ serverMade: 'identity by default', written: false });
    expect(byName.c).toMatchObject({ serverMade: 'serial', written: false });
    expect(byName.d).toMatchObject({ serverMade: 'generated', written: false });
    expect(byName.e).toMatchObject({ written: true, value: { kind: 'enum', labels: ['sad', 'ok'] } });
    expect(byName.f).toMatchObject({ written: true, notNull: true, value: { kind: 'numeric', precision: 10, scale: 2 } });
    expect(byName.g).toMatchObject({ value: { kind: 'text', max: 32 } });
    expect(byName.h).toMatchObject({ value: { kind: 'array', of: { kind: 'int', bits: 32 } } });
    expect(byName.i).toMatchObject({ written: false });
    expect(shapes.tables[0]!.checks).toEqual([{ kind: 'bound', column: 'f', op: '>=', value: 0 }]);
  });

  test('a NOT NULL column without an arbitrary or a default leaves the table unfilled, and its NOT NULL children; a nullable reference stays NULL', () => {
    const shapes = shapesOf(catalog([
      table('geo', { columns: [col('id', 23), col('at', 600, { type: 'point', notNull: true })] }),
      table('must', { columns: [col('id', 23), col('g', 23, { notNull: true })], foreignKeys: [fk('must_g', ['g'], 'geo')] }),
      table('may', { columns: [col('id', 23), col('g', 23)], foreignKeys: [fk('may_g', ['g'], 'geo')] }),
      table('feeling', { columns: [col('id', 23), col('m', 90003, { type: 'empty_enum', notNull: true })] }),
    ]));
    expect(shapes.unfilled).toEqual([
      { table: 'public.feeling', reason: 'column m of type empty_enum is NOT NULL, has no default, and migtest generates no empty_enum' },
      { table: 'public.geo', reason: 'column at of type point is NOT NULL, has no default, and migtest generates no point' },
      { table: 'public.must', reason: expect.stringContaining('is NOT NULL and needs rows of public.geo, which is not filled (column at of type point') },
    ]);
    expect(shapes.tables.map((t) => t.name)).toEqual(['may']);
    expect(shapes.tables[0]!.foreignKeys[0]!.alwaysNull).toMatch(/^public\.geo is not filled/);
  });

  test('cycles: broken on a nullable edge; a cycle of NOT NULL keys and a NOT NULL self-reference are unfilled', () => {
    const shapes = shapesOf(catalog([
      table('a', { columns: [col('id', 23), col('b', 23)], foreignKeys: [fk('a_b', ['b'], 'b')] }),
      table('b', { columns: [col('id', 23), col('a', 23, { notNull: true })], foreignKeys: [fk('b_a', ['a'], 'a')] }),
      table('c', { columns: [col('id', 23), col('d', 23, { notNull: true })], foreignKeys: [fk('c_d', ['d'], 'd')] }),
      table('d', { columns: [col('id', 23), col('c', 23, { notNull: true })], foreignKeys: [fk('d_c', ['c'], 'c')] }),
      table('tree', { columns: [col('id', 23), col('up', 23)], foreignKeys: [fk('tree_up', ['up'], 'tree')] }),
      table('root', { columns: [col('id', 23), col('up', 23, { notNull: true })], foreignKeys: [fk('root_up', ['up'], 'root')] }),
    ]));
    expect(shapes.tables.map((t) => t.name)).toEqual(['a', 'b', 'tree']);
    expect(shapes.tables[0]!.foreignKeys[0]!.alwaysNull).toBe('left NULL to break the cycle of foreign keys public.a → public.b');
    expect(shapes.tables[2]!.foreignKeys[0]).toMatchObject({ parent: 2, nullable: true });
    expect(shapes.tables[2]!.foreignKeys[0]!.alwaysNull).toBeUndefined();
    expect(shapes.unfilled).toEqual([
      { table: 'public.c', reason: 'a cycle of NOT NULL foreign keys (public.c → public.d): no first row can be inserted' },
      { table: 'public.d', reason: 'a cycle of NOT NULL foreign keys (public.c → public.d): no first row can be inserted' },
      { table: 'public.root', reason: 'foreign key root_up (up) is a NOT NULL reference to the table itself: no first row can be inserted' },
    ]);
  });

  test('partitions, foreign tables, extensions\' tables, trackers and excluded tables are skipped with the reason; other schemas are not read', () => {
    const shapes = shapesOf(catalog([
      table('events', { kind: 'p' }),
      table('events_2024', { partitionOf: 'public.events' }),
      table('remote', { kind: 'f' }),
      table('spatial_ref_sys', { extension: 'postgis' }),
      table('schema_migrations'),
      table('_migrations'),
      table('sql_migrations', { schema: 'codd' }),
      table('audit_log'),
      table('other', { schema: 'elsewhere' }),
    ]), { exclude: ['public.audit_log'], schemas: ['public', 'codd'] });
    expect(shapes.tables.map((t) => [t.name, t.partitioned])).toEqual([['events', true]]);
    expect(shapes.skipped).toEqual([
      { table: 'public.events_2024', reason: 'partition of public.events: filled through it' },
      { table: 'public.remote', reason: 'foreign table: its rows live on another server' },
      { table: 'public.spatial_ref_sys', reason: 'belongs to extension postgis' },
      { table: 'public.schema_migrations', reason: "excluded: a migration tool's tracker" },
      { table: 'public._migrations', reason: expect.stringMatching(/^excluded/) },
      { table: 'codd.sql_migrations', reason: expect.stringMatching(/^excluded/) },
      { table: 'public.audit_log', reason: 'excluded: named in exclude' },
    ]);
  });
});
