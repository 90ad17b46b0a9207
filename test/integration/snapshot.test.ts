import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { Server } from '../../src/postgres/types.js';
import { diffSnapshots } from '../../src/snapshot/diff.js';
import { formatDifferences } from '../../src/snapshot/format.js';
import { stateHash, type StateHash } from '../../src/snapshot/hash.js';
import { snapshotHash, takeSnapshot } from '../../src/snapshot/snapshot.js';
import type { Snapshot } from '../../src/snapshot/types.js';

let server: Server;

beforeAll(async () => {
  server = await startEmbedded({ major: 17 });
});

afterAll(async () => {
  await server?.stop();
});

/** Runs each script (one simple query each) in a new database, then snapshots it. */
async function stateAfter(
  scripts: string[],
  options: { template?: string; trackers?: string[] } = {},
): Promise<Snapshot> {
  const db = await server.createDatabase(options.template ? { template: options.template } : {});
  const client = await db.connect();
  try {
    for (const script of scripts) await client.query(script);
    return await takeSnapshot(client, options.trackers ? { trackers: options.trackers } : {});
  } finally {
    await client.end();
    await server.dropDatabase(db.name);
  }
}

const summary = (diffs: { change: string; path: string }[]): string[] => diffs.map((d) => `${d.change} ${d.path}`);

describe('equal states give equal snapshots', () => {
  test('the same objects created in different orders', async () => {
    const first = await stateAfter([
      `CREATE SCHEMA app;
       CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
       CREATE TABLE app.users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL, mood app.mood);
       CREATE TABLE app.posts (id serial PRIMARY KEY, user_id bigint REFERENCES app.users (id), body text);
       CREATE UNIQUE INDEX users_email_idx ON app.users (lower(email));
       CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
       CREATE TRIGGER touch BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();
       CREATE VIEW app.user_posts AS SELECT u.email, p.body FROM app.users u JOIN app.posts p ON p.user_id = u.id;
       INSERT INTO app.users (email) VALUES ('a@x'), ('b@x');`,
    ]);
    const second = await stateAfter([
      `CREATE SCHEMA app;
       CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
       CREATE TABLE app.posts (id serial PRIMARY KEY, user_id bigint, body text);
       CREATE TYPE app.mood AS ENUM ('sad', 'happy');
       ALTER TYPE app.mood ADD VALUE 'ok' BEFORE 'happy';`,
      // ADD VALUE cannot be used in the transaction that created the type's new label.
      `CREATE TABLE app.users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL, mood app.mood);
       INSERT INTO app.users (email) VALUES ('a@x'), ('b@x');
       ALTER TABLE app.posts ADD CONSTRAINT posts_user_id_fkey FOREIGN KEY (user_id) REFERENCES app.users (id);
       CREATE VIEW app.user_posts AS SELECT u.email, p.body FROM app.users u JOIN app.posts p ON p.user_id = u.id;
       CREATE TRIGGER touch BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();
       CREATE UNIQUE INDEX users_email_idx ON app.users (lower(email));`,
    ]);
    expect(diffSnapshots(first, second)).toEqual([]);
    expect(snapshotHash(first)).toBe(snapshotHash(second));
  });

  test('a column from CREATE TABLE equals one from ALTER TABLE ADD COLUMN with a default', async () => {
    const created = await stateAfter([
      `CREATE TABLE t (id int, flag boolean NOT NULL DEFAULT false, note text DEFAULT 'none');
       INSERT INTO t (id) VALUES (1), (2);`,
    ]);
    // On a table with rows, ADD COLUMN … DEFAULT stores atthasmissing/attmissingval, and a dropped
    // column leaves a hole in attnum: neither may show.
    const altered = await stateAfter([
      `CREATE TABLE t (id int, gone int);
       INSERT INTO t (id) VALUES (1), (2);
       ALTER TABLE t DROP COLUMN gone;
       ALTER TABLE t ADD COLUMN flag boolean NOT NULL DEFAULT false;
       ALTER TABLE t ADD COLUMN note text DEFAULT 'none';`,
    ]);
    expect(diffSnapshots(created, altered)).toEqual([]);
    expect(snapshotHash(created)).toBe(snapshotHash(altered));
  });

  test('column order shows, and can be ignored, data included', async () => {
    const a = await stateAfter([`CREATE TABLE t (a int, b text); INSERT INTO t VALUES (1, 'x');`]);
    const b = await stateAfter([`CREATE TABLE t (b text, a int); INSERT INTO t VALUES ('x', 1);`]);
    expect(diffSnapshots(a, b)).toEqual([
      { path: 'table:public.t', change: 'changed', expected: { columns: ['a', 'b'] }, found: { columns: ['b', 'a'] } },
    ]);
    expect(diffSnapshots(a, b, { ignoreColumnOrder: true })).toEqual([]);
  });

  test("the session's search_path does not change the snapshot, and the snapshot leaves it alone", async () => {
    const fn = `CREATE FUNCTION app.next_id() RETURNS int LANGUAGE sql AS 'SELECT 1';`;
    const plain = await stateAfter([`CREATE SCHEMA app; ${fn} CREATE TABLE app.t (id int DEFAULT app.next_id());`]);
    const db = await server.createDatabase();
    const client = await db.connect();
    try {
      await client.query(`CREATE SCHEMA app; ${fn} SET search_path = app, public; CREATE TABLE t (id int DEFAULT next_id());`);
      const shifted = await takeSnapshot(client);
      expect(diffSnapshots(plain, shifted)).toEqual([]);
      const after = await client.query<{ search_path: string }>('SHOW search_path');
      expect(after.rows[0]?.search_path).toBe('app, public');
      // No transaction left open: this would warn, not fail, so check the status instead.
      const status = await client.query<{ x: string }>(`SELECT pg_catalog.now() = pg_catalog.statement_timestamp() AS x`);
      expect(status.rows[0]?.x).toBe(true);
    } finally {
      await client.end();
      await server.dropDatabase(db.name);
    }
  });
});

describe('a single change of each kind is detected', () => {
  let template: string;
  let before: Snapshot;

  beforeAll(async () => {
    const db = await server.createDatabase();
    const client = await db.connect();
    await client.query(`
      CREATE TYPE mood AS ENUM ('sad', 'ok');
      CREATE SEQUENCE counter;
      CREATE TABLE users (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, email text NOT NULL, age int, nickname text);
      CREATE INDEX users_email_idx ON users (email);
      CREATE FUNCTION f(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT x + 1 $$;
      CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
      CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT 1; END;
      CREATE VIEW adults AS SELECT id, email FROM users WHERE age >= 18;
      CREATE MATERIALIZED VIEW user_count AS SELECT count(*) AS n FROM users;
      INSERT INTO users (email, age) VALUES ('a@x', 20), ('a@x', 30);`);
    before = await takeSnapshot(client);
    await client.end();
    template = db.name;
  });

  // What each change must produce, exactly: path, change and the attributes that differ.
  const cases: [string, string[], { path: string; change: string; expected?: unknown; found?: unknown }[]][] = [
    [
      'add a constraint',
      [`ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age > 0)`],
      [
        {
          path: 'constraint:public.users.users_age_check',
          change: 'added',
          found: {
            kind: 'constraint',
            table: 'public.users',
            type: 'check',
            definition: 'CHECK (age > 0)',
            deferrable: false,
            deferred: false,
            validated: true,
          },
        },
      ],
    ],
    [
      'add a constraint NOT VALID',
      [`ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age > 0) NOT VALID`],
      [{ path: 'constraint:public.users.users_age_check', change: 'added' }],
    ],
    [
      'change an index',
      [`DROP INDEX users_email_idx; CREATE INDEX users_email_idx ON users (lower(email))`],
      [
        {
          path: 'index:public.users_email_idx',
          change: 'changed',
          expected: { definition: 'CREATE INDEX users_email_idx ON public.users USING btree (email)' },
          found: { definition: 'CREATE INDEX users_email_idx ON public.users USING btree (lower(email))' },
        },
      ],
    ],
    [
      'leave an invalid index (failed CREATE UNIQUE INDEX CONCURRENTLY)',
      [`DROP INDEX users_email_idx`, `CREATE UNIQUE INDEX CONCURRENTLY users_email_idx ON users (email)`],
      [
        {
          path: 'index:public.users_email_idx',
          change: 'changed',
          expected: { definition: 'CREATE INDEX users_email_idx ON public.users USING btree (email)', unique: false, valid: true },
          found: { definition: 'CREATE UNIQUE INDEX users_email_idx ON public.users USING btree (email)', unique: true, valid: false },
        },
      ],
    ],
    [
      'change a function body',
      [`CREATE OR REPLACE FUNCTION f(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT x + 2 $$`],
      [{ path: 'function:public.f(integer)', change: 'changed' }],
    ],
    [
      'change a BEGIN ATOMIC procedure body',
      [`CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT 2; END`],
      [{ path: 'procedure:public.p()', change: 'changed' }],
    ],
    [
      'change a function attribute',
      [`ALTER FUNCTION f(integer) IMMUTABLE`],
      [{ path: 'function:public.f(integer)', change: 'changed' }],
    ],
    [
      'add an overload',
      [`CREATE FUNCTION f(x text) RETURNS text LANGUAGE sql AS $$ SELECT x $$`],
      [{ path: 'function:public.f(text)', change: 'added' }],
    ],
    [
      'add an enum label',
      [`ALTER TYPE mood ADD VALUE 'happy'`],
      [{ path: 'enum:public.mood', change: 'changed', expected: { labels: ['sad', 'ok'] }, found: { labels: ['sad', 'ok', 'happy'] } }],
    ],
    [
      'change a view',
      [`CREATE OR REPLACE VIEW adults AS SELECT id, email FROM users WHERE age >= 21`],
      [{ path: 'view:public.adults', change: 'changed' }],
    ],
    [
      'change a materialized view',
      [`DROP MATERIALIZED VIEW user_count; CREATE MATERIALIZED VIEW user_count AS SELECT count(*) AS n FROM users WHERE age > 0`],
      [{ path: 'materialized-view:public.user_count', change: 'changed' }],
    ],
    [
      'add a trigger',
      [`CREATE TRIGGER trg BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()`],
      [
        {
          path: 'trigger:public.users.trg',
          change: 'added',
          found: {
            kind: 'trigger',
            table: 'public.users',
            definition: 'CREATE TRIGGER trg BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.touch()',
            enabled: 'origin',
          },
        },
      ],
    ],
    [
      'change a column type',
      [`ALTER TABLE users ALTER COLUMN nickname TYPE varchar(20)`],
      [
        {
          path: 'column:public.users.nickname',
          change: 'changed',
          expected: { type: 'text' },
          found: { type: 'character varying(20)' },
        },
      ],
    ],
    [
      'add a column default',
      [`ALTER TABLE users ALTER COLUMN age SET DEFAULT 18`],
      [{ path: 'column:public.users.age', change: 'changed', expected: { default: null }, found: { default: '18' } }],
    ],
    [
      'add a column',
      [`ALTER TABLE users ADD COLUMN name text`],
      // Every row now has one more (null) value: the data differs too.
      [
        { path: 'column:public.users.name', change: 'added' },
        { path: 'data:public.users', change: 'changed', expected: { rows: 2 }, found: { rows: 2 } },
      ],
    ],
    [
      'change a sequence',
      [`ALTER SEQUENCE counter INCREMENT BY 10`],
      [{ path: 'sequence:public.counter', change: 'changed', expected: { increment: '1' }, found: { increment: '10' } }],
    ],
    [
      'make a table unlogged',
      [`ALTER TABLE users SET UNLOGGED`],
      // The identity sequence follows its table; it is part of its column, not an object of its own.
      [{ path: 'table:public.users', change: 'changed', expected: { persistence: 'permanent' }, found: { persistence: 'unlogged' } }],
    ],
    [
      'add a schema',
      [`CREATE SCHEMA app`],
      [{ path: 'schema:app', change: 'added', found: { kind: 'schema' } }],
    ],
  ];

  test('a copy of the state is equal to it', async () => {
    expect(diffSnapshots(before, await stateAfter([], { template }))).toEqual([]);
  });

  test('sequence state (nextval) is not schema', async () => {
    const after = await stateAfter([`SELECT nextval('counter'); SELECT nextval('counter')`], { template });
    expect(diffSnapshots(before, after)).toEqual([]);
  });

  test.each(cases)('%s', async (_name, scripts, expected) => {
    const db = await server.createDatabase({ template });
    const client = await db.connect();
    let found: Snapshot;
    try {
      for (const script of scripts) await client.query(script).catch((e: unknown) => {
        // The concurrent unique index fails on the duplicate emails, on purpose.
        if (!/CONCURRENTLY/.test(script)) throw e;
      });
      found = await takeSnapshot(client);
    } finally {
      await client.end();
      await server.dropDatabase(db.name);
    }
    const diffs = diffSnapshots(before, found);
    expect(diffs).toMatchObject(expected);
    expect(diffs).toHaveLength(expected.length);
    expect(snapshotHash(found)).not.toBe(snapshotHash(before));
    // Every difference reads as at least one line.
    expect(formatDifferences(diffs).length).toBeGreaterThanOrEqual(diffs.length);
  });
});

describe('data', () => {
  test('rows inserted twice into a table without a unique key are a data difference', async () => {
    const insert = `INSERT INTO audit_events (kind, at) VALUES ('boot', '2024-01-01'), ('seed', '2024-01-02'), ('seed', '2024-01-02')`;
    const create = `CREATE TABLE audit_events (kind text, at date); CREATE TABLE other (id int PRIMARY KEY); INSERT INTO other VALUES (1)`;
    const once = await stateAfter([create, insert]);
    const twice = await stateAfter([create, insert, insert]);
    const diffs = diffSnapshots(once, twice);
    expect(diffs).toEqual([
      {
        path: 'data:public.audit_events',
        change: 'changed',
        expected: { rows: 3, hash: once.data['public.audit_events']?.hash },
        found: { rows: 6, hash: twice.data['public.audit_events']?.hash },
      },
    ]);
    expect(formatDifferences(diffs)).toEqual(['~ data:public.audit_events  rows 3 → 6 (same schema, different data)']);
  });

  test('the fingerprint does not depend on insertion order, but on values', async () => {
    const create = `CREATE TABLE t (id int, v text)`;
    const a = await stateAfter([create, `INSERT INTO t VALUES (1, 'a'), (2, 'b')`]);
    const b = await stateAfter([create, `INSERT INTO t VALUES (2, 'b'), (1, 'a')`]);
    const c = await stateAfter([create, `INSERT INTO t VALUES (1, 'a'), (2, 'c')`]);
    expect(diffSnapshots(a, b)).toEqual([]);
    expect(formatDifferences(diffSnapshots(a, c))).toEqual(['~ data:public.t  rows 2, different values (same schema, different data)']);
  });
});

describe('empty tables are known without reading them', () => {
  // A table whose main fork has no page is fingerprinted without a read: one never filled, one
  // emptied by DELETE (pages kept) and one by TRUNCATE (a new, empty file) must still be alike,
  // in the snapshot and in the state hash, and a row must still tell them apart.
  async function hashes(script: string): Promise<{ snapshot: Snapshot; hash: StateHash }> {
    const db = await server.createDatabase();
    const client = await db.connect();
    try {
      await client.query(script);
      return { snapshot: await takeSnapshot(client), hash: await stateHash(client) };
    } finally {
      await client.end();
      await server.dropDatabase(db.name);
    }
  }
  test('never filled, deleted, truncated: alike; one row: different', async () => {
    const create = `CREATE TABLE t (id int PRIMARY KEY, v text); CREATE TABLE p (id int) PARTITION BY RANGE (id);
      CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (100);`;
    const never = await hashes(create);
    const deleted = await hashes(`${create} INSERT INTO t VALUES (1, 'a'); INSERT INTO p VALUES (5); DELETE FROM t; DELETE FROM p;`);
    const truncated = await hashes(`${create} INSERT INTO t VALUES (1, 'a'); INSERT INTO p VALUES (5); TRUNCATE t, p;`);
    const row = await hashes(`${create} INSERT INTO t VALUES (1, 'a');`);
    const partitionRow = await hashes(`${create} INSERT INTO p VALUES (5);`);
    expect(never.snapshot.data['public.t']).toEqual({ rows: 0, hash: deleted.snapshot.data['public.t']?.hash });
    for (const other of [deleted, truncated]) {
      expect(diffSnapshots(never.snapshot, other.snapshot)).toEqual([]);
      expect(other.hash.data).toBe(never.hash.data);
    }
    expect(summary(diffSnapshots(never.snapshot, row.snapshot))).toEqual(['changed data:public.t']);
    expect(row.hash.data).not.toBe(never.hash.data);
    expect(summary(diffSnapshots(never.snapshot, partitionRow.snapshot))).toEqual(['changed data:public.p', 'changed data:public.p1']);
    expect(partitionRow.hash.data).not.toBe(never.hash.data);
  });
});

describe('trackers', () => {
  const trackers = ['public.schema_migrations', 'codd.sql_migrations'];
  const setup = `
    CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);
    CREATE SCHEMA codd;
    CREATE TABLE codd.sql_migrations (id serial PRIMARY KEY, name text UNIQUE, applied_at timestamptz);
    CREATE TABLE items (id int);`;

  test('are kept out of schema and data, and appear in trackers', async () => {
    const s = await stateAfter(
      [setup, `INSERT INTO schema_migrations VALUES (2, true), (1, false); INSERT INTO codd.sql_migrations (name) VALUES ('b'), ('a')`],
      { trackers },
    );
    const tracked = Object.keys(s.objects).filter((path) => /schema_migrations|sql_migrations/.test(path));
    expect(tracked).toEqual([]);
    expect(Object.keys(s.data)).toEqual(['public.items']);
    expect(s.trackers).toEqual({
      'codd.sql_migrations': [
        { applied_at: null, id: 1, name: 'b' },
        { applied_at: null, id: 2, name: 'a' },
      ],
      'public.schema_migrations': [
        { dirty: false, version: 1 },
        { dirty: true, version: 2 },
      ],
    });
    // A tracker's own schema belongs to the tracker (codd makes it when it records a failure);
    // public stays, whatever trackers live in it.
    expect(Object.keys(s.objects).sort()).toEqual([
      'column:public.items.id',
      'database:current',
      'extension:plpgsql',
      'schema:public',
      'table:public.items',
    ]);
  });

  test('differ only when the diff asks for them', async () => {
    const one = await stateAfter([setup, `INSERT INTO schema_migrations VALUES (1, false)`], { trackers });
    const two = await stateAfter([setup, `INSERT INTO schema_migrations VALUES (1, false), (2, false)`], { trackers });
    expect(diffSnapshots(one, two)).toEqual([]);
    expect(snapshotHash(one)).not.toBe(snapshotHash(two));
    expect(formatDifferences(diffSnapshots(one, two, { includeTrackers: true }))).toEqual([
      '~ tracker:public.schema_migrations  rows 1 → 2',
      '    + {"dirty":false,"version":2}',
    ]);
  });

  test('a role only the trackers name is the tool\'s, not described', async () => {
    const s = await stateAfter(
      [
        `CREATE ROLE snapshot_tool LOGIN;
         CREATE SCHEMA codd AUTHORIZATION snapshot_tool;
         CREATE TABLE codd.sql_migrations (id serial PRIMARY KEY, name text);
         ALTER TABLE codd.sql_migrations OWNER TO snapshot_tool;
         CREATE TABLE items (id int);`,
      ],
      { trackers },
    );
    expect(Object.keys(s.objects).filter((path) => path.startsWith('role:'))).toEqual([]);
    const granted = await stateAfter([`CREATE ROLE snapshot_reader; CREATE TABLE items (id int); GRANT SELECT ON items TO snapshot_reader;`], { trackers });
    expect(Object.keys(granted.objects).filter((path) => path.startsWith('role:'))).toEqual(['role:snapshot_reader']);
  });

  test('a tracker that does not exist yet is absent', async () => {
    const s = await stateAfter([`CREATE TABLE items (id int)`], { trackers });
    expect(s.trackers).toEqual({});
  });
});

describe('scope', () => {
  test('objects of extensions are left out', async () => {
    const without = await stateAfter([`CREATE TABLE t (id int)`]);
    const withExtension = await stateAfter([`CREATE EXTENSION pg_trgm; CREATE TABLE t (id int)`]);
    // The extension itself, with its version; none of its functions, types or operators.
    expect(diffSnapshots(without, withExtension)).toMatchObject([
      { path: 'extension:pg_trgm', change: 'added', found: { kind: 'extension', schema: 'public' } },
    ]);
    expect(diffSnapshots(without, withExtension)).toHaveLength(1);
  });

  test('a small schema snapshots quickly', async () => {
    const db = await server.createDatabase();
    const client = await db.connect();
    try {
      await client.query(`
        CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text UNIQUE);
        CREATE TABLE posts (id serial PRIMARY KEY, user_id bigint REFERENCES users (id), body text);
        CREATE INDEX posts_user_idx ON posts (user_id);
        CREATE VIEW v AS SELECT * FROM posts;
        INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 1000) g;`);
      await takeSnapshot(client);
      const runs = 10;
      const start = performance.now();
      for (let i = 0; i < runs; i++) await takeSnapshot(client);
      const ms = (performance.now() - start) / runs;
      console.log(`snapshot of a small schema (2 tables, 1000 rows): ${ms.toFixed(1)} ms`);
      expect(ms).toBeLessThan(1000);
    } finally {
      await client.end();
      await server.dropDatabase(db.name);
    }
  });
});

describe('prepared statements on a kept connection', () => {
  test('a snapshot reads the same again on a connection that lost them, and after a change of trackers', async () => {
    const db = await server.createDatabase();
    const client = await db.connect();
    try {
      await client.query(`CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'a');
        CREATE TABLE schema_migrations (version bigint PRIMARY KEY); INSERT INTO schema_migrations VALUES (1)`);
      const first = await takeSnapshot(client);
      // What the pool does to a connection given back.
      await client.query('DISCARD ALL');
      expect(snapshotHash(await takeSnapshot(client))).toBe(snapshotHash(first));
      const tracked = await takeSnapshot(client, { trackers: ['schema_migrations'] });
      expect(Object.keys(tracked.trackers)).toEqual(['public.schema_migrations']);
      expect(Object.keys(tracked.objects).filter((path) => path.includes('schema_migrations'))).toEqual([]);
      expect(Object.keys(first.objects).filter((path) => path.includes('schema_migrations')).length).toBeGreaterThan(0);
    } finally {
      await client.end();
      await server.dropDatabase(db.name);
    }
  });
});
