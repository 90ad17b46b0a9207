import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { Server } from '../../src/postgres/types.js';
import { checkMark, markHolds, markState } from '../../src/snapshot/mark.js';

// A state mark (src/snapshot/mark.ts) proves a later state the marked one when it holds the same
// row versions: what check `down` relies on for a down that undoes its up exactly. Where it must
// not hold, the catalogue suite checks every kind of change (snapshot-catalogue-suite.ts).

let server: Server;
beforeAll(async () => {
  server = await startEmbedded({ major: 17 });
});
afterAll(async () => {
  await server?.stop();
});

const trackers = { trackers: ['public.schema_migrations'], volatile: [] };

async function withDatabase(body: (client: pg.Client) => Promise<void>): Promise<void> {
  const db = await server.createDatabase();
  const client = await db.connect();
  try {
    await client.query(`CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20) g;
CREATE TABLE schema_migrations (version bigint NOT NULL, dirty boolean NOT NULL);
INSERT INTO schema_migrations VALUES (1, false);`);
    await body(client);
  } finally {
    await client.end();
    await server.dropDatabase(db.name);
  }
}

/** Whether the mark read before `change` (and `undo`) holds after them. */
async function holdsAfter(client: pg.Client, change: string, undo = ''): Promise<boolean> {
  const mark = await markState(client, trackers);
  await client.query(change);
  if (undo) await client.query(undo);
  return markHolds(client, mark, trackers);
}

describe('a state mark', () => {
  it('holds after what was made since is removed again', async () => {
    await withDatabase(async (client) => {
      expect(await holdsAfter(client, 'SELECT 1')).toBe(true);
      expect(await holdsAfter(client, "CREATE TABLE extra (id int PRIMARY KEY, body text); INSERT INTO extra VALUES (1, repeat('x', 9000))", 'DROP TABLE extra')).toBe(true);
      expect(await holdsAfter(client, "INSERT INTO items VALUES (100, 'new')", 'DELETE FROM items WHERE id = 100')).toBe(true);
      expect(await holdsAfter(client, "BEGIN; INSERT INTO items VALUES (101, 'x'); ROLLBACK")).toBe(true);
    });
  });

  it('holds where it compares contents: a column added and dropped, a tracker rewritten alike', async () => {
    await withDatabase(async (client) => {
      expect(await holdsAfter(client, 'ALTER TABLE items ADD COLUMN note text; CREATE INDEX items_note ON items (note)', 'DROP INDEX items_note; ALTER TABLE items DROP COLUMN note')).toBe(true);
      expect(await holdsAfter(client, 'TRUNCATE schema_migrations; INSERT INTO schema_migrations VALUES (1, false)')).toBe(true);
    });
  });

  it('does not hold after a change, even one back to the same values', async () => {
    await withDatabase(async (client) => {
      expect(await holdsAfter(client, "UPDATE items SET name = name WHERE id = 1")).toBe(false);
    });
    await withDatabase(async (client) => {
      expect(await holdsAfter(client, 'DELETE FROM items WHERE id = 1')).toBe(false);
    });
    await withDatabase(async (client) => {
      expect(await holdsAfter(client, 'UPDATE schema_migrations SET dirty = true')).toBe(false);
    });
    await withDatabase(async (client) => {
      expect(await holdsAfter(client, 'CREATE SEQUENCE s; SELECT nextval(\'s\')', 'DROP SEQUENCE s')).toBe(true);
      await client.query('CREATE SEQUENCE t');
      expect(await holdsAfter(client, "SELECT nextval('t')")).toBe(false);
    });
    await withDatabase(async (client) => {
      // Rows drawn from a sequence and deleted again: the rows are the marked ones, the sequence
      // stands further. Left out of a mark read without them (check down's relaxed comparison),
      // and only that.
      await client.query('CREATE TABLE seeded (id serial PRIMARY KEY, name text)');
      const mark = await markState(client, trackers);
      const unsequenced = await markState(client, { ...trackers, sequences: false });
      expect(unsequenced.sequences).toBeUndefined();
      await client.query("INSERT INTO seeded (name) VALUES ('a'), ('b'); DELETE FROM seeded");
      expect(await markHolds(client, mark, trackers)).toBe(false);
      expect(await markHolds(client, unsequenced, trackers)).toBe(true);
      await client.query("INSERT INTO seeded (name) VALUES ('c')");
      expect(await markHolds(client, unsequenced, trackers)).toBe(false);
    });
  });

  it('read after an earlier mark, says which relations kept its row versions', async () => {
    await withDatabase(async (client) => {
      await client.query('CREATE TABLE other (id int)');
      const first = await markState(client, trackers);
      const table = async (name: string): Promise<string> => `t:${(await client.query<{ oid: string }>(`SELECT '${name}'::regclass::oid AS oid`)).rows[0]!.oid}`;
      const [items, other] = [await table('items'), await table('other')];
      await client.query("UPDATE items SET name = name WHERE id = 1; CREATE TABLE later (id int)");
      const second = await markState(client, { ...trackers, after: first });
      const unchanged = new Set(second.unchanged);
      expect([unchanged.has(items), unchanged.has(other), unchanged.has(await table('later'))]).toEqual([false, true, false]);
      // pg_class gained a row: not unchanged; pg_policy holds none either time: unchanged.
      expect([unchanged.has('c:pg_class'), unchanged.has('c:pg_policy')]).toEqual([false, true]);
      expect(first.unchanged).toBeUndefined();
    });
  });

  it('judges the relations an anchor stands for by its snapshot, and says which differ', async () => {
    await withDatabase(async (client) => {
      const items = `t:${(await client.query<{ oid: string }>("SELECT 'items'::regclass::oid AS oid")).rows[0]!.oid}`;
      const mark = await markState(client, trackers);
      // The same values in new row versions: not the marked ones, unless a later mark stands for them.
      await client.query("UPDATE items SET name = name");
      expect(await checkMark(client, mark, trackers)).toEqual({ holds: false, differing: [items] });
      const anchor = await markState(client, trackers);
      expect(await checkMark(client, mark, trackers, [{ mark: anchor, keys: [items] }])).toEqual({ holds: true, differing: [] });
      // After the anchor, a row added and removed again leaves its row versions; a changed row does not.
      await client.query("INSERT INTO items VALUES (21, 'late'); DELETE FROM items WHERE id = 21");
      expect(await checkMark(client, mark, trackers, [{ mark: anchor, keys: [items] }])).toEqual({ holds: true, differing: [] });
      await client.query("UPDATE items SET name = 'changed' WHERE id = 2");
      expect(await checkMark(client, mark, trackers, [{ mark: anchor, keys: [items] }])).toEqual({ holds: false, differing: [items] });
    });
  });

  it('counts many tables in few statements, and still says which of them differ', async () => {
    await withDatabase(async (client) => {
      // Eleven tables: eight counted by one statement, the last three alone (mark.ts, tableGroups).
      const names = Array.from({ length: 10 }, (_, i) => `many_${i}`);
      for (const name of names) await client.query(`CREATE TABLE ${name} (id int PRIMARY KEY); INSERT INTO ${name} SELECT generate_series(1, 3)`);
      const key = async (name: string): Promise<string> => `t:${(await client.query<{ oid: string }>(`SELECT '${name}'::regclass::oid AS oid`)).rows[0]!.oid}`;
      const mark = await markState(client, trackers);
      expect(await checkMark(client, mark, trackers)).toEqual({ holds: true, differing: [] });
      // A table inside the group of eight, and one counted alone.
      await client.query('UPDATE many_2 SET id = id; DELETE FROM many_9 WHERE id = 3');
      const found = await checkMark(client, mark, trackers);
      expect(found.holds).toBe(false);
      expect(new Set(found.differing)).toEqual(new Set([await key('many_2'), await key('many_9')]));
      // An anchor standing for one table of the group judges it by its own snapshot, the others by the mark's.
      await client.query('INSERT INTO many_9 VALUES (3)');
      const anchor = await markState(client, trackers);
      expect(await checkMark(client, mark, trackers, [{ mark: anchor, keys: [await key('many_2'), await key('many_9')] }])).toEqual({ holds: true, differing: [] });
      await client.query('INSERT INTO many_4 VALUES (4)');
      expect(await checkMark(client, mark, trackers, [{ mark: anchor, keys: [await key('many_2'), await key('many_9')] }])).toEqual({ holds: false, differing: [await key('many_4')] });
      // A table of the group dropped: the state is not the mark's, and the check says so.
      await client.query('DELETE FROM many_4 WHERE id = 4; DROP TABLE many_5');
      expect(await markHolds(client, mark, trackers)).toBe(false);
    });
  });

  it('judges rows by the marked snapshot while other transactions run', async () => {
    await withDatabase(async (client) => {
      const db = { other: await server.createDatabase() };
      const elsewhere = await db.other.connect();
      const here = new (client.constructor as typeof pg.Client)({ ...(client as unknown as { connectionParameters: pg.ClientConfig }).connectionParameters });
      await here.connect();
      try {
        // A transaction with an xid runs in another database at the mark: the snapshot lists it.
        await elsewhere.query('BEGIN; SELECT pg_current_xact_id()');
        // One in this database too, whose row commits only after the mark.
        await here.query("BEGIN; INSERT INTO items VALUES (200, 'late')");
        // A later transaction that ends: the snapshot's xmax passes the two, which it lists as running.
        await client.query('SELECT pg_current_xact_id()');
        const mark = await markState(client, trackers);
        expect(mark.snapshot).toMatch(/^\d+:\d+:\d+(,\d+)+$/);
        expect(await markHolds(client, mark, trackers)).toBe(true);
        await here.query('COMMIT');
        expect(await markHolds(client, mark, trackers)).toBe(false);
        await elsewhere.query('COMMIT');
      } finally {
        await here.end();
        await elsewhere.end();
        await server.dropDatabase(db.other.name);
      }
    });
  });

  it('holds on a copy of the marked database', async () => {
    const db = await server.createDatabase();
    let client = await db.connect();
    await client.query(`CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 5)`);
    const mark = await markState(client);
    await client.end();
    const copy = await server.createDatabase({ template: db.name });
    client = await copy.connect();
    try {
      expect(await markHolds(client, mark)).toBe(true);
      await client.query('INSERT INTO items VALUES (6)');
      expect(await markHolds(client, mark)).toBe(false);
    } finally {
      await client.end();
      await server.dropDatabase(copy.name);
      await server.dropDatabase(db.name);
    }
  });

  it('says a state without a table of the mark is not it, rather than failing', async () => {
    await withDatabase(async (client) => {
      expect(await holdsAfter(client, 'DROP TABLE items')).toBe(false);
    });
    await withDatabase(async (client) => {
      expect(await holdsAfter(client, 'ALTER TABLE items RENAME TO things')).toBe(false);
      // The statements of the first mark stay prepared; a mark of this state and its check work.
      expect(await holdsAfter(client, 'SELECT 1')).toBe(true);
    });
  });

  it('prepares its statements again on a connection that lost them', async () => {
    await withDatabase(async (client) => {
      const mark = await markState(client, trackers);
      // What the pool does to a connection given back.
      await client.query('DISCARD ALL');
      expect(await markHolds(client, mark, trackers)).toBe(true);
      await client.query('DEALLOCATE ALL');
      expect(await markHolds(client, await markState(client, trackers), trackers)).toBe(true);
    });
  });
});
