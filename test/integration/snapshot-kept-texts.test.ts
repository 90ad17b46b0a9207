import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { DatabaseHandle, Server } from '../../src/postgres/types.js';
import { forgetKept, keptCount } from '../../src/snapshot/kept-texts.js';
import { takeSnapshot } from '../../src/snapshot/snapshot.js';

// Index definitions a snapshot keeps (src/snapshot/kept-texts.ts) must be what the server deparses
// now: each change below alters a definition's text without writing the index's pg_index row.

let server: Server;
let db: DatabaseHandle;
let client: pg.Client;

beforeAll(async () => {
  server = await startEmbedded({ major: 16 });
  db = await server.createDatabase();
  client = await db.connect();
  await client.query(`
    CREATE SCHEMA s;
    CREATE COLLATION s.coll FROM "C";
    CREATE TABLE s.t (a int, b text, c int, d text);
    CREATE INDEX t_a ON s.t (a);
    CREATE UNIQUE INDEX t_ab ON s.t (a DESC NULLS LAST, b) INCLUDE (c);
    CREATE INDEX t_b ON s.t (b text_pattern_ops);
    CREATE INDEX t_d ON s.t (d COLLATE s.coll);
    CREATE INDEX t_c ON s.t (c) WITH (fillfactor = 80);
    CREATE INDEX t_lower ON s.t (lower(b));
    CREATE TABLE s.other (x int PRIMARY KEY, y int);
    CREATE INDEX other_y ON s.other (y);
    CREATE TABLE s.parted (k int, v int) PARTITION BY RANGE (k);
    CREATE INDEX parted_v ON s.parted (v);`);
});

afterAll(async () => {
  await client?.end();
  if (db) await server.dropDatabase(db.name);
  await server?.stop();
});

/** Every index's definition, as the snapshot gives it. */
async function definitions(on: pg.Client = client): Promise<Record<string, unknown>> {
  const snapshot = await takeSnapshot(on);
  return Object.fromEntries(Object.entries(snapshot.objects).flatMap(([path, o]) => (o.kind === 'index' ? [[path, o.definition]] : [])));
}

/** The same, deparsed by the server now: nothing kept. */
async function deparsed(on: pg.Client = client): Promise<Record<string, unknown>> {
  const found = await on.query<{ path: string; definition: string }>(`
    SELECT 'index:' || n.nspname || '.' || c.relname AS path, pg_get_indexdef(c.oid) AS definition
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('i', 'I') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`);
  return Object.fromEntries(found.rows.map((r) => [r.path, r.definition]));
}

/** How many definitions the next snapshot deparsed anew. */
async function deparsedAnew(on: pg.Client = client): Promise<{ definitions: Record<string, unknown>; anew: number }> {
  const before = keptCount();
  const found = await definitions(on);
  return { definitions: found, anew: keptCount() - before };
}

describe('kept index definitions', () => {
  test('a second snapshot deparses nothing kept again, and gives the same definitions', async () => {
    forgetKept();
    const first = await deparsedAnew();
    // The five plain indexes of s.t, s.other's two, s.parted's one; not the expression index.
    expect(first.anew).toBe(8);
    expect(first.definitions).toEqual(await deparsed());
    const second = await deparsedAnew();
    expect(second.anew).toBe(0);
    expect(second.definitions).toEqual(first.definitions);
  });

  // Each change, and how many definitions it makes the snapshot deparse anew (the indexes of the
  // table it touches, or all where it touches what every definition is kept under).
  const changes: [string, string, number][] = [
    ['a column renamed', 'ALTER TABLE s.t RENAME COLUMN a TO a2', 5],
    ['a column of another table added', 'ALTER TABLE s.other ADD COLUMN z int', 2],
    ['the table renamed', 'ALTER TABLE s.t RENAME TO t2', 5],
    ['an index renamed', 'ALTER INDEX s.t_c RENAME TO t_c2', 1],
    ['an index storage option set', 'ALTER INDEX s.t_c2 SET (fillfactor = 70)', 1],
    ['an operator class renamed', 'ALTER OPERATOR CLASS pg_catalog.text_pattern_ops USING btree RENAME TO text_pat_ops', 8],
    ['a collation renamed', 'ALTER COLLATION s.coll RENAME TO coll2', 8],
    ['the schema renamed', 'ALTER SCHEMA s RENAME TO s2', 8],
  ];
  for (const [what, sql, anew] of changes) {
    test(`${what}: the definitions are the server's`, async () => {
      await definitions();
      await client.query(sql);
      const found = await deparsedAnew();
      expect(found.definitions).toEqual(await deparsed());
      expect(found.anew).toBe(anew);
    });
  }

  test('a copy of the database reads its template’s definitions, and its own once it changes them', async () => {
    await definitions();
    await client.end();
    const copy = await server.createDatabase({ template: db.name });
    const other = await copy.connect();
    try {
      const same = await deparsedAnew(other);
      expect(same.anew).toBe(0);
      expect(same.definitions).toEqual(await deparsed(other));
      await other.query('ALTER TABLE s2.t2 RENAME COLUMN b TO b2');
      const changed = await deparsedAnew(other);
      expect(changed.definitions).toEqual(await deparsed(other));
      expect(changed.definitions['index:s2.t_b']).toBe('CREATE INDEX t_b ON s2.t2 USING btree (b2 text_pat_ops)');
      expect(changed.anew).toBe(5);
    } finally {
      await other.end();
      await server.dropDatabase(copy.name);
      client = await db.connect();
    }
  });
});
