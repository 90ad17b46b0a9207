import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type pg from 'pg';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { Server } from '../../src/postgres/types.js';
import { diffSnapshots } from '../../src/snapshot/diff.js';
import { stateHash } from '../../src/snapshot/hash.js';
import { markHolds, markState, type StateMark } from '../../src/snapshot/mark.js';
import { takeSnapshot } from '../../src/snapshot/snapshot.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import { CHANGES, EQUIVALENCES, SHARED_ROLES } from './snapshot-catalogue.js';


interface Read {
  snapshot: Snapshot;
  schemaHash: string;
  schemaDataHash: string;
  raw: string;
}

async function read(client: pg.Client): Promise<Read> {
  const snapshot = await takeSnapshot(client);
  const hash = await stateHash(client);
  return { snapshot, schemaHash: hash.schema, schemaDataHash: hash.schemaData, raw: hash.raw };
}

async function run(client: pg.Client, sql: string | undefined): Promise<void> {
  if (sql !== undefined && sql.trim() !== '') await client.query(sql);
}

const schemaOnly = (paths: string[]): string[] => paths.filter((p) => !p.startsWith('data:'));

/**
 * The catalogue on one PostgreSQL major: one test file per major, so that vitest's workers take
 * the versions in parallel.
 */
export function catalogueSuite(major: number): void {
  describe(`snapshot catalogue on PostgreSQL ${major}`, () => {
    let server: Server;

    beforeAll(async () => {
      server = await startEmbedded({ major });
      const db = await server.createDatabase();
      const client = await db.connect();
      try {
        for (const role of SHARED_ROLES) await client.query(`CREATE ROLE ${role}`);
      } finally {
        await client.end();
        await server.dropDatabase(db.name);
      }
    });

    afterAll(async () => {
      await server?.stop();
    });

    /** A new database with `setup` run in it; the callback gets a connected client. */
    async function withDatabase<T>(setup: string | undefined, body: (client: pg.Client) => Promise<T>): Promise<T> {
      const db = await server.createDatabase();
      const client = await db.connect();
      try {
        await run(client, setup);
        return await body(client);
      } finally {
        await client.end();
        await server.dropDatabase(db.name);
      }
    }

    const changes = CHANGES.filter((c) => (c.since ?? 14) <= major);
    test.each(changes.map((c) => [c.name, c] as const))('a single change is a difference: %s', async (_name, change) => {
      let first: Read;
      let second: Read;
      if (change.before !== undefined) {
        first = await withDatabase(change.setup, async (client) => {
          await run(client, change.before);
          return read(client);
        });
        second = await withDatabase(change.setup, async (client) => {
          await run(client, change.after);
          return read(client);
        });
      } else {
        let mark: StateMark | undefined;
        let holds: boolean | undefined;
        [first, second] = await withDatabase(change.setup, async (client) => {
          const before = await read(client);
          mark = await markState(client);
          if (change.afterFails) await expect(run(client, change.after)).rejects.toThrow();
          else await run(client, change.after);
          holds = await markHolds(client, mark);
          return [before, await read(client)];
        });
        // A state mark stands for a raw digest (the down walk's proof): it must not hold either.
        expect(holds, 'the state mark still holds').toBe(false);
      }
      const paths = schemaOnly(diffSnapshots(first.snapshot, second.snapshot).map((d) => d.path));
      expect(paths, 'the snapshot sees no difference').not.toEqual([]);
      expect(paths.some((p) => change.path.test(p)), `no difference on ${change.path}: ${paths.join(', ')}`).toBe(true);
      expect(second.schemaHash, 'the server-side hash sees no difference').not.toBe(first.schemaHash);
      // In one database (OIDs kept) the raw digest must see it too: equal raw digests are taken
      // as proof of equal states, and it reads only the catalog columns and rows snapshots read.
      if (change.before === undefined) expect(second.raw, 'the raw digest sees no difference').not.toBe(first.raw);
    });

    const equivalences = EQUIVALENCES.filter((e) => (e.since ?? 14) <= major);
    test.each(equivalences.map((e) => [e.name, e] as const))('equivalent states are equal: %s', async (_name, equivalence) => {
      const side = (parts: string[]): Promise<Read> =>
        withDatabase(equivalence.setup, async (client) => {
          for (const part of parts) await run(client, part);
          return read(client);
        });
      const a = await side(equivalence.a);
      const b = await side(equivalence.b);
      expect(diffSnapshots(a.snapshot, b.snapshot)).toEqual([]);
      expect(b.schemaDataHash).toBe(a.schemaDataHash);
    });
  });
}
