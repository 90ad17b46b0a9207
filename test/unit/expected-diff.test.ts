import { describe, expect, test } from 'vitest';
import { checksWithExpected, diffOptionsOf, parseIgnore, snapshotCommand } from '../../src/checks/expected.js';
import { diffSnapshots } from '../../src/snapshot/diff.js';
import { describeObject, formatDifferences, withUnified } from '../../src/snapshot/format.js';
import { TextReporter } from '../../src/report/text.js';
import type { Snapshot, SnapshotObject } from '../../src/snapshot/types.js';
import { displayText } from '../../src/report/paths.js';

function snapshot(objects: Record<string, SnapshotObject>): Snapshot {
  return { format: 2, objects, data: {}, trackers: {} };
}

const table = (extra: Record<string, unknown> = {}): SnapshotObject => ({
  kind: 'table',
  columns: ['id', 'email'],
  owner: 'app',
  privileges: ['app=arwdDxtm/app'],
  ...extra,
});

describe('--ignore', () => {
  test('parses repeated and comma-separated names, refuses unknown ones', () => {
    expect(parseIgnore(['owners', 'column-order,privileges', 'owners'])).toEqual(['column-order', 'owners', 'privileges']);
    expect(parseIgnore([])).toEqual([]);
    expect(() => parseIgnore(['grants'])).toThrow(/--ignore does not know 'grants'/);
  });

  test('owners: every owner attribute is left out, nothing else', () => {
    const expected = snapshot({ 'table:public.users': table(), 'schema:app': { kind: 'schema', owner: 'app' } });
    const found = snapshot({ 'table:public.users': table({ owner: 'postgres' }), 'schema:app': { kind: 'schema', owner: 'postgres' } });
    expect(diffSnapshots(expected, found).map((d) => d.path)).toEqual(['schema:app', 'table:public.users']);
    expect(diffSnapshots(expected, found, diffOptionsOf(['owners']))).toEqual([]);
    const alsoType = snapshot({ ...found.objects, 'table:public.users': table({ owner: 'postgres', type: 'unlogged' }) });
    expect(diffSnapshots(expected, alsoType, diffOptionsOf(['owners']))).toEqual([
      { path: 'table:public.users', change: 'changed', expected: { type: null }, found: { type: 'unlogged' } },
    ]);
  });

  // Files written where the objects belong to the bootstrap superuser (embedded: no role object),
  // compared where they belong to the url's role: that role is described because it owns them.
  test('owners: a role that owns objects on either side is left out too, other roles are not', () => {
    const role = (extra: Record<string, unknown> = {}): SnapshotObject => ({ kind: 'role', login: true, ...extra }) as SnapshotObject;
    const expected = snapshot({ 'table:public.users': table({ owner: 'migtest' }), 'role:reader': role() });
    const found = snapshot({ 'table:public.users': table({ owner: 'app' }), 'role:app': role({ createDb: true }), 'role:reader': role() });
    expect(diffSnapshots(expected, found, diffOptionsOf(['owners']))).toEqual([]);
    const readerChanged = snapshot({ ...found.objects, 'role:reader': role({ login: false }) });
    expect(diffSnapshots(expected, readerChanged, diffOptionsOf(['owners'])).map((d) => `${d.change} ${d.path}`)).toEqual(['changed role:reader']);
    expect(diffSnapshots(expected, found).map((d) => `${d.change} ${d.path}`)).toEqual(['added role:app', 'changed table:public.users']);
  });

  test('privileges: every privileges attribute and the default-privileges objects are left out', () => {
    const expected = snapshot({
      'table:public.users': table(),
      'default-privileges:app.tables': { kind: 'default-privileges' as SnapshotObject['kind'], privileges: ['r'] },
    });
    const found = snapshot({ 'table:public.users': table({ privileges: ['app=arwdDxtm/app', 'reader=r/app'] }) });
    expect(diffSnapshots(expected, found).map((d) => `${d.change} ${d.path}`)).toEqual([
      'missing default-privileges:app.tables',
      'changed table:public.users',
    ]);
    expect(diffSnapshots(expected, found, diffOptionsOf(['privileges']))).toEqual([]);
  });

  test('column-order', () => {
    const found = snapshot({ 'table:public.users': table({ columns: ['email', 'id'] }) });
    expect(diffSnapshots(snapshot({ 'table:public.users': table() }), found)).toHaveLength(1);
    expect(diffSnapshots(snapshot({ 'table:public.users': table() }), found, diffOptionsOf(['column-order']))).toEqual([]);
  });
});

describe('diff output', () => {
  test('an object in words, inside its table when it belongs to one', () => {
    expect(describeObject('column:public.users.email', { kind: 'column', table: 'public.users' })).toBe('table public.users: column email');
    expect(describeObject('index:public.users_email_idx', { kind: 'index', table: 'public.users' })).toBe('table public.users: index users_email_idx');
    expect(describeObject('constraint:app.t.t_pkey', { kind: 'constraint', table: 'app.t' })).toBe('table app.t: constraint t_pkey');
    expect(describeObject('table:public.users', { kind: 'table', table: 'x' })).toBe('table public.users');
    expect(describeObject('view:public.v', { kind: 'view' })).toBe('view public.v');
    expect(describeObject('function:public.f(x integer)', undefined)).toBe('function public.f(x integer)');
  });

  test('several changed attributes get a line each; a long list shows the items on one side', () => {
    const expected = snapshot({ 'table:public.users': table() });
    const found = snapshot({
      'table:public.users': table({
        owner: 'postgres',
        persistence: 'unlogged',
        privileges: ['app=arwdDxtm/app', 'reader=r/app', 'writer=arw/app', 'auditor=r/app'],
      }),
    });
    expect(formatDifferences(diffSnapshots(expected, found))).toEqual([
      '~ table:public.users',
      '    owner app → postgres',
      '    persistence null → unlogged',
      '    privileges changed:',
      '        + reader=r/app',
      '        + writer=arw/app',
      '        + auditor=r/app',
    ]);
  });

  test('a changed definition is a unified diff, in text and as `unified` in JSON', () => {
    const view = (where: string): SnapshotObject => ({ kind: 'view', definition: ` SELECT id,\n    email\n   FROM public.users\n  WHERE ${where};` });
    const diff = diffSnapshots(snapshot({ 'view:public.v': view('active') }), snapshot({ 'view:public.v': view('NOT deleted') }));
    expect(formatDifferences(diff)).toEqual([
      '~ view:public.v  definition changed:',
      '    @@ -1,4 +1,4 @@',
      '      SELECT id,',
      '         email',
      '        FROM public.users',
      '    -  WHERE active;',
      '    +  WHERE NOT deleted;',
    ]);
    const json = withUnified(diff[0]!);
    expect(json).toMatchObject({ path: 'view:public.v', change: 'changed', expected: diff[0]!.expected, found: diff[0]!.found });
    expect(json.unified).toEqual({
      definition: '--- expected definition\n+++ found definition\n@@ -1,4 +1,4 @@\n  SELECT id,\n     email\n    FROM public.users\n-  WHERE active;\n+  WHERE NOT deleted;\n',
    });
    const plain = { path: 'column:public.t.a', change: 'changed' as const, expected: { type: 'text' }, found: { type: 'integer' } };
    expect(withUnified(plain)).toBe(plain);
  });
});

describe('commands', () => {
  test('the snapshot command names --out only when it is not the default folder', () => {
    const dir = `${process.cwd()}/migrations-under-test/schema-drift/fixed`;
    expect(displayText(snapshotCommand(dir, 'golang-migrate', [17], `${process.cwd()}/migrations-under-test/schema-drift/expected-schema`))).toBe(
      'npx migtest snapshot migrations-under-test/schema-drift/fixed --runner golang-migrate --pg 17',
    );
    expect(displayText(snapshotCommand(dir, 'golang-migrate', [14, 17], `${process.cwd()}/elsewhere`, { transactions: 'true' }))).toBe(
      'npx migtest snapshot migrations-under-test/schema-drift/fixed --runner golang-migrate --pg 14,17 --out elsewhere --runner-option transactions=true',
    );
  });

  test('expected joins the default checks where an expected-schema folder exists beside the set, or one is given', () => {
    expect(checksWithExpected(['fresh', 'twice'], 'migrations-under-test/schema-drift/broken', undefined)).toEqual(['fresh', 'twice', 'expected']);
    expect(checksWithExpected(['fresh', 'twice'], 'migrations-under-test/duplicate-rows/broken', undefined)).toEqual(['fresh', 'twice']);
    expect(checksWithExpected(['fresh'], 'migrations-under-test/duplicate-rows/broken', 'no/such/folder')).toEqual(['fresh', 'expected']);
    expect(checksWithExpected(['fresh'], 'migrations-under-test/duplicate-rows/broken', 'migrations-under-test/schema-drift/expected-schema')).toEqual([
      'fresh',
      'expected',
    ]);
  });
});

describe('text reporter', () => {
  test('an expected finding: where, the object in words, what was expected and found, the hint and the command', () => {
    const reporter = new TextReporter({ color: false, live: false, write: () => undefined });
    const text = reporter.finding({
      check: 'expected',
      file: 'expected-schema/pg17/column/public.orders.total_cents.json',
      line: 1,
      column: 1,
      statement: null,
      sqlstate: null,
      message: 'table public.orders: column total_cents changed (type, notNull)',
      hint: 'write the files again',
      diff: [{ path: 'column:public.orders.total_cents', change: 'changed', expected: { notNull: true, type: 'bigint' }, found: { notNull: false, type: 'integer' } }],
      reproduce: 'npx migtest check set --runner golang-migrate --checks expected --pg 17',
    });
    expect(text).toBe(
      [
        '    ✗ expected-schema/pg17/column/public.orders.total_cents.json:1:1',
        '      table public.orders: column total_cents changed (type, notNull)',
        '      ~ column:public.orders.total_cents',
        '          notNull true → false',
        '          type bigint → integer',
        '      hint: write the files again',
        '      reproduce: npx migtest check set --runner golang-migrate --checks expected --pg 17',
        '',
      ].join('\n'),
    );
  });
});
