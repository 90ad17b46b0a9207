import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { originOf } from '../../src/checks/expected-origin.js';
import { loadSet } from '../../src/migrations/load.js';

const DRIFT = resolve('migrations-under-test/schema-drift/broken');

describe('the origin of an expected-schema object in the set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'migtest-origin-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const files: Record<string, string> = {
    '000001_a.up.sql': 'CREATE SCHEMA app;\nCREATE TABLE app.t (id int PRIMARY KEY, n integer);\nCREATE TYPE mood AS ENUM (\'a\');',
    '000002_b.up.sql': "ALTER TABLE app.t ALTER COLUMN n TYPE bigint;\nCREATE INDEX t_n_idx ON app.t (n);\nCREATE FUNCTION app.f(x int) RETURNS int LANGUAGE sql AS 'SELECT x';",
    '000003_c.up.sql': "CREATE VIEW app.v AS SELECT n AS total FROM app.t;\nINSERT INTO app.t VALUES (1, 2);\nALTER TYPE mood ADD VALUE 'b';\nDROP INDEX app.t_n_idx;",
  };
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);

  it('is the last statement that makes, changes or drops the object, in plan order', async () => {
    const set = await loadSet(dir, 'golang-migrate');
    const at = (path: string, object: unknown = {}): string | undefined => {
      const o = originOf(set, path, object);
      return o && `${o.statement.file.slice(dir.length + 1)}:${o.statement.line} ${o.by}`;
    };
    expect(at('schema:app')).toBe('000001_a.up.sql:1 object');
    expect(at('table:app.t')).toBe('000002_b.up.sql:1 object');
    // The column's type was last changed by the ALTER; the view that reads it changes nothing of it.
    expect(at('column:app.t.n', { table: 'app.t' })).toBe('000002_b.up.sql:1 object');
    expect(at('column:app.t.id', { table: 'app.t' })).toBe('000001_a.up.sql:2 object');
    // A name the server chose (the primary key's) is named by no statement: the one that makes its table.
    expect(at('constraint:app.t.t_pkey', { table: 'app.t' })).toBe('000001_a.up.sql:2 table');
    // A missing index: the statement that dropped it.
    expect(at('index:app.t_n_idx', { table: 'app.t' })).toBe('000003_c.up.sql:4 object');
    expect(at('function:app.f(x integer)')).toBe('000002_b.up.sql:3 object');
    expect(at('view:app.v')).toBe('000003_c.up.sql:1 object');
    expect(at('enum:public.mood')).toBe('000003_c.up.sql:3 object');
    // Objects no statement of a set makes: none.
    expect(at('role:app_owner')).toBeUndefined();
    expect(at('table:other.t')).toBeUndefined();
    expect(at('table:app.missing')).toBeUndefined();
  });

  it('places the drifted objects of schema-drift/broken on the migrations that make them', async () => {
    const set = await loadSet(DRIFT, 'golang-migrate');
    const where = (path: string, object: unknown): string | undefined => {
      const o = originOf(set, path, object);
      return o && `${o.statement.file.slice(DRIFT.length + 1)}:${o.statement.line}`;
    };
    expect(where('column:public.orders.total_cents', { table: 'public.orders' })).toBe('000002_create_orders.up.sql:2');
    expect(where('index:public.orders_customer_id_idx', { table: 'public.orders' })).toBe('000002_create_orders.up.sql:2');
    expect(where('view:public.customer_totals', {})).toBe('000003_customer_totals.up.sql:2');
  });
});
