import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { DatabaseHandle, Server } from '../../src/postgres/types.js';
import { stateHash, type StateHash } from '../../src/snapshot/hash.js';

// One server for the file: each test works on databases of its own.
let server: Server;
beforeAll(async () => {
  server = await startEmbedded({ major: 17 });
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

async function hashWith(db: DatabaseHandle, options: Parameters<typeof stateHash>[1] = {}): Promise<StateHash> {
  const client = await db.connect();
  try {
    return await stateHash(client, options);
  } finally {
    await client.end();
  }
}

/**
 * The raw digest reads only the rows of the database's own (OID ≥ 16384), and equal raw digests
 * are taken to prove equal states. Objects initdb made and a migration may change or drop (the
 * public schema, plpgsql) must change it too, or a state that differs there passes for the reference.
 */
describe('the raw digest sees changes to objects initdb made', () => {
  let reference: DatabaseHandle;
  let referenceHash: StateHash;

  beforeAll(async () => {
    reference = await server.createDatabase();
    referenceHash = await hashWith(reference);
  }, 60_000);

  test.each([
    ['a comment on the public schema', `COMMENT ON SCHEMA public IS 'the app'`],
    ['a grant on the public schema', 'GRANT CREATE ON SCHEMA public TO PUBLIC'],
    ['the public schema renamed', 'ALTER SCHEMA public RENAME TO app'],
    ['the public schema dropped', 'DROP SCHEMA public'],
    ['plpgsql dropped', 'DROP EXTENSION plpgsql'],
  ])('%s', async (_, statement) => {
    const copy = await server.createDatabase({ template: reference.name });
    const client = await copy.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
    const changed = await hashWith(copy);
    expect(changed.schema).not.toBe(referenceHash.schema);
    expect(changed.raw).not.toBe(referenceHash.raw);
    await server.dropDatabase(copy.name);
  });

  test('a copy left as it was keeps the raw digest', async () => {
    const copy = await server.createDatabase({ template: reference.name });
    expect((await hashWith(copy)).raw).toBe(referenceHash.raw);
    await server.dropDatabase(copy.name);
  });
});

/** `reference`: one transaction decides between "the reference's hashes" and computing its own. */
describe('stateHash against a reference', () => {
  test('an unchanged copy takes the reference hashes; a changed one gets the same hashes as without a reference', async () => {
    const reference = await server.createDatabase();
    const client = await reference.connect();
    await client.query(`CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)`);
    await client.end();
    const referenceHash = await hashWith(reference);

    const unchanged = await server.createDatabase({ template: reference.name });
    expect(await hashWith(unchanged, { reference: referenceHash })).toEqual(referenceHash);

    const changed = await server.createDatabase({ template: reference.name });
    const other = await changed.connect();
    await other.query(`ALTER TABLE t ADD COLUMN note text`);
    await other.end();
    const against = await hashWith(changed, { reference: referenceHash });
    expect(against).toEqual(await hashWith(changed));
    expect(against.schema).not.toBe(referenceHash.schema);
    // Without the canonical part, only the raw digest, data and trackers are computed.
    expect((await hashWith(changed, { reference: referenceHash, canonical: false })).schema).toBe('');
  });

  test('sequence positions are not compared, but they are in the key a verdict is cached by', async () => {
    const reference = await server.createDatabase();
    const client = await reference.connect();
    await client.query(`CREATE TABLE t (id serial PRIMARY KEY, v text); INSERT INTO t (v) VALUES ('a')`);
    await client.end();
    const referenceHash = await hashWith(reference);

    // Rolled-back work consumed sequence values: the same rows, catalog and data, another position.
    const consumed = await server.createDatabase({ template: reference.name });
    const other = await consumed.connect();
    await other.query(`BEGIN; INSERT INTO t (v) VALUES ('b'), ('c'); ROLLBACK`);
    await other.end();
    for (const hash of [await hashWith(consumed, { reference: referenceHash }), await hashWith(consumed)]) {
      expect(hash.raw).toBe(referenceHash.raw);
      expect(hash.all).toBe(referenceHash.all);
      expect(hash.sequences).not.toBe(referenceHash.sequences);
      expect(hash.key).not.toBe(referenceHash.key);
    }
    const unchanged = await server.createDatabase({ template: reference.name });
    expect((await hashWith(unchanged)).key).toBe(referenceHash.key);
  });
});

/**
 * An object made and undone again leaves traces the server keeps (a dropped column's row, flags
 * that stay set, a toast table, new statistics) and the canonical snapshot never reads: the raw
 * digest ignores them, so such a state is proved equal without the canonical queries (what keeps
 * the down check fast), and what does remain still changes it.
 */
describe('the raw digest after an undone change', () => {
  let reference: DatabaseHandle;
  let referenceHash: StateHash;

  beforeAll(async () => {
    reference = await server.createDatabase();
    const client = await reference.connect();
    try {
      await client.query(`CREATE TABLE counts (id int PRIMARY KEY, n bigint NOT NULL); CREATE TABLE plain (a int, b int);
        INSERT INTO counts SELECT g, g * 10 FROM generate_series(1, 20) g; INSERT INTO plain SELECT g, g FROM generate_series(1, 20) g;
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;`);
    } finally {
      await client.end();
    }
    referenceHash = await hashWith(reference);
  }, 60_000);

  const changed = async (statements: string): Promise<StateHash> => {
    const copy = await server.createDatabase({ template: reference.name });
    const client = await copy.connect();
    try {
      await client.query(statements);
    } finally {
      await client.end();
    }
    try {
      return await hashWith(copy);
    } finally {
      await server.dropDatabase(copy.name);
    }
  };

  test.each([
    ['a column added and dropped', 'ALTER TABLE counts ADD COLUMN note text DEFAULT $$x$$; ALTER TABLE counts DROP COLUMN note'],
    ['an index made and dropped on a table that had none', 'CREATE INDEX plain_a ON plain (a); DROP INDEX plain_a'],
    ['a trigger made and dropped', 'CREATE TRIGGER t BEFORE INSERT ON plain FOR EACH ROW EXECUTE FUNCTION touch(); DROP TRIGGER t ON plain'],
    ['a toast table made by a text column that is dropped again', 'ALTER TABLE plain ADD COLUMN body text; ALTER TABLE plain DROP COLUMN body'],
    ['new planner statistics', 'ANALYZE counts; ANALYZE plain'],
    ['a table rewritten', 'ALTER TABLE plain ALTER COLUMN a TYPE bigint; ALTER TABLE plain ALTER COLUMN a TYPE int'],
  ])('%s: the same raw digest and snapshot', async (_, statements) => {
    const hash = await changed(statements);
    expect(hash.schema).toBe(referenceHash.schema);
    expect(hash.raw).toBe(referenceHash.raw);
  });

  test.each([
    ['a column left behind', 'ALTER TABLE counts ADD COLUMN note text'],
    ['an index left behind', 'CREATE INDEX plain_a ON plain (a)'],
    ['a column dropped and added again (its position and number change)', 'ALTER TABLE plain DROP COLUMN a; ALTER TABLE plain ADD COLUMN a int'],
    ['a row left', 'INSERT INTO plain VALUES (21, 21)'],
    ['row-level security enabled', 'ALTER TABLE counts ENABLE ROW LEVEL SECURITY'],
    ['a storage parameter', 'ALTER TABLE counts SET (fillfactor = 70)'],
    ['the replica identity', 'ALTER TABLE counts REPLICA IDENTITY FULL'],
    ['an unlogged table', 'ALTER TABLE plain SET UNLOGGED'],
  ])('%s: another raw digest', async (_, statements) => {
    const hash = await changed(statements);
    expect(hash.raw).not.toBe(referenceHash.raw);
  });
});
