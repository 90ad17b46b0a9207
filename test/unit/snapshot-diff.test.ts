import { describe, expect, test } from 'vitest';
import { diffSnapshots } from '../../src/snapshot/diff.js';
import { formatDifferences } from '../../src/snapshot/format.js';
import { snapshotHash } from '../../src/snapshot/snapshot.js';
import type { Snapshot, SnapshotObject } from '../../src/snapshot/types.js';

const functionDef = (body: string): string =>
  `CREATE OR REPLACE FUNCTION public.f(x integer)\n RETURNS integer\n LANGUAGE sql\nAS $function$ ${body} $function$\n`;

function base(): Snapshot {
  const objects: Record<string, SnapshotObject> = {
    'schema:public': { kind: 'schema' },
    'table:public.users': {
      kind: 'table',
      type: 'table',
      persistence: 'permanent',
      columns: ['id', 'email'],
    },
    'column:public.users.id': { kind: 'column', table: 'public.users', type: 'bigint', notNull: true, default: null, identity: 'always' },
    'column:public.users.email': { kind: 'column', table: 'public.users', type: 'text', notNull: true, default: null, identity: null },
    'index:public.users_email_idx': {
      kind: 'index',
      table: 'public.users',
      definition: 'CREATE INDEX users_email_idx ON public.users USING btree (email)',
      valid: true,
    },
    'function:public.f(x integer)': { kind: 'function', type: 'function', definition: functionDef('SELECT x + 1') },
    'enum:public.mood': { kind: 'enum', labels: ['sad', 'ok'] },
  };
  return {
    format: 2,
    objects,
    data: {
      'public.users': { rows: 2, hash: 'aaa' },
      'public.audit_events': { rows: 3, hash: 'bbb' },
    },
    trackers: { 'public.schema_migrations': [{ version: 1, dirty: false }] },
  };
}

function modify(change: (s: Snapshot) => void): Snapshot {
  const s = structuredClone(base());
  change(s);
  return s;
}

describe('diffSnapshots', () => {
  test('equal snapshots have no differences and the same hash, whatever their key order', () => {
    const a = base();
    const b = modify((s) => {
      s.objects = Object.fromEntries(Object.entries(s.objects).reverse());
      s.data = Object.fromEntries(Object.entries(s.data).reverse());
    });
    expect(diffSnapshots(a, b)).toEqual([]);
    expect(snapshotHash(a)).toBe(snapshotHash(b));
  });

  test('added, missing and changed objects, sorted by path, with only the changed attributes', () => {
    const found = modify((s) => {
      delete s.objects['index:public.users_email_idx'];
      s.objects['constraint:public.users.users_email_key'] = {
        kind: 'constraint',
        table: 'public.users',
        type: 'unique',
        definition: 'UNIQUE (email)',
      };
      s.objects['column:public.users.email'] = { ...s.objects['column:public.users.email']!, type: 'character varying(10)', notNull: false };
    });
    expect(diffSnapshots(base(), found)).toEqual([
      {
        path: 'column:public.users.email',
        change: 'changed',
        expected: { notNull: true, type: 'text' },
        found: { notNull: false, type: 'character varying(10)' },
      },
      {
        path: 'constraint:public.users.users_email_key',
        change: 'added',
        found: { kind: 'constraint', table: 'public.users', type: 'unique', definition: 'UNIQUE (email)' },
      },
      {
        path: 'index:public.users_email_idx',
        change: 'missing',
        expected: base().objects['index:public.users_email_idx'],
      },
    ]);
  });

  test('data differences carry both fingerprints', () => {
    const found = modify((s) => {
      s.data['public.audit_events'] = { rows: 6, hash: 'ccc' };
    });
    expect(diffSnapshots(base(), found)).toEqual([
      { path: 'data:public.audit_events', change: 'changed', expected: { rows: 3, hash: 'bbb' }, found: { rows: 6, hash: 'ccc' } },
    ]);
  });

  test('column order: reported for the columns on both sides, ignorable', () => {
    const reordered = modify((s) => {
      (s.objects['table:public.users'] as SnapshotObject).columns = ['email', 'id'];
    });
    expect(diffSnapshots(base(), reordered)).toEqual([
      {
        path: 'table:public.users',
        change: 'changed',
        expected: { columns: ['id', 'email'] },
        found: { columns: ['email', 'id'] },
      },
    ]);
    expect(diffSnapshots(base(), reordered, { ignoreColumnOrder: true })).toEqual([]);
  });

  test('a new column is reported once, not again in the table column list', () => {
    const found = modify((s) => {
      (s.objects['table:public.users'] as SnapshotObject).columns = ['id', 'name', 'email'];
      s.objects['column:public.users.name'] = { kind: 'column', table: 'public.users', type: 'text', notNull: false, default: null, identity: null };
    });
    expect(diffSnapshots(base(), found).map((d) => `${d.change} ${d.path}`)).toEqual(['added column:public.users.name']);
  });

  test('trackers are compared only when asked', () => {
    const found = modify((s) => {
      s.trackers['public.schema_migrations'] = [{ version: 1, dirty: false }, { version: 2, dirty: true }];
    });
    expect(diffSnapshots(base(), found)).toEqual([]);
    expect(snapshotHash(base())).not.toBe(snapshotHash(found));
    expect(diffSnapshots(base(), found, { includeTrackers: true })).toEqual([
      {
        path: 'tracker:public.schema_migrations',
        change: 'changed',
        expected: [{ version: 1, dirty: false }],
        found: [{ version: 1, dirty: false }, { version: 2, dirty: true }],
      },
    ]);
  });
});

describe('formatDifferences', () => {
  test('one line per difference, data with row counts', () => {
    const found = modify((s) => {
      delete s.objects['index:public.users_email_idx'];
      s.objects['constraint:public.users.users_email_key'] = {
        kind: 'constraint',
        table: 'public.users',
        type: 'unique',
        definition: 'UNIQUE (email)',
      };
      s.objects['enum:public.mood'] = { kind: 'enum', labels: ['sad', 'ok', 'happy'] };
      s.data['public.audit_events'] = { rows: 6, hash: 'ccc' };
      s.data['public.users'] = { rows: 2, hash: 'ddd' };
      s.objects['column:public.users.email'] = { ...s.objects['column:public.users.email']!, default: "''::text" };
    });
    expect(formatDifferences(diffSnapshots(base(), found))).toEqual([
      "~ column:public.users.email  default null → ''::text",
      '+ constraint:public.users.users_email_key  UNIQUE (email)',
      '~ data:public.audit_events  rows 3 → 6 (same schema, different data)',
      '~ data:public.users  rows 2, different values (schema differs too)',
      '~ enum:public.mood  labels (sad, ok) → (sad, ok, happy)',
      '- index:public.users_email_idx  CREATE INDEX users_email_idx ON public.users USING btree (email)',
    ]);
  });

  test('added objects say what they are', () => {
    const found = modify((s) => {
      s.objects['table:public.t'] = { kind: 'table', type: 'table', persistence: 'unlogged', columns: ['a'] };
      s.objects['column:public.t.a'] = {
        kind: 'column',
        table: 'public.t',
        type: 'integer',
        notNull: true,
        default: "nextval('public.t_a_seq'::regclass)",
        identity: null,
      };
      s.objects['sequence:public.t_a_seq'] = { kind: 'sequence', type: 'integer', start: '1', increment: '1', ownedBy: 'public.t.a' };
      s.objects['view:public.v'] = { kind: 'view', materialized: true, definition: ' SELECT 1;' };
      s.objects['schema:app'] = { kind: 'schema' };
      s.data['public.t'] = { rows: 0, hash: 'd41d8cd98f00b204e9800998ecf8427e' };
    });
    expect(formatDifferences(diffSnapshots(base(), found))).toEqual([
      "+ column:public.t.a  integer NOT NULL DEFAULT nextval('public.t_a_seq'::regclass)",
      '+ data:public.t  rows 0',
      '+ schema:app',
      "+ sequence:public.t_a_seq  integer start 1 increment 1 owned by public.t.a",
      '+ table:public.t  unlogged table (a)',
      '+ view:public.v  materialized view',
    ]);
  });

  test('a changed function body is shown as a unified diff below its line', () => {
    const found = modify((s) => {
      s.objects['function:public.f(x integer)'] = { kind: 'function', type: 'function', definition: functionDef('SELECT x + 2') };
    });
    expect(formatDifferences(diffSnapshots(base(), found))).toEqual([
      '~ function:public.f(x integer)  definition changed:',
      '    @@ -1,4 +1,4 @@',
      '     CREATE OR REPLACE FUNCTION public.f(x integer)',
      '      RETURNS integer',
      '      LANGUAGE sql',
      '    -AS $function$ SELECT x + 1 $function$',
      '    +AS $function$ SELECT x + 2 $function$',
    ]);
  });

  test('tracker rows on one side only', () => {
    const found = modify((s) => {
      s.trackers['public.schema_migrations'] = [{ version: 2, dirty: true }];
    });
    expect(formatDifferences(diffSnapshots(base(), found, { includeTrackers: true }))).toEqual([
      '~ tracker:public.schema_migrations  rows 1 → 1',
      '    - {"dirty":false,"version":1}',
      '    + {"dirty":true,"version":2}',
    ]);
  });

  test('colours only when asked', () => {
    const found = modify((s) => {
      delete s.objects['schema:public'];
    });
    const diffs = diffSnapshots(base(), found);
    expect(formatDifferences(diffs)).toEqual(['- schema:public']);
    expect(formatDifferences(diffs, { color: true })).toEqual(['\x1b[31m-\x1b[39m \x1b[31mschema:public\x1b[39m']);
  });
});
