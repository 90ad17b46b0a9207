import { createHash } from 'node:crypto';
import type pg from 'pg';
import { catalogQueries } from './catalog.js';
import { canonicalJson, sortKeys } from './canonical.js';
import { fingerprintTables, NO_PARALLEL, readTrackers } from './data.js';
import type { Snapshot, SnapshotObject } from './types.js';

export interface SnapshotOptions {
  /** Qualified names of the runner's tracker tables, e.g. `public.schema_migrations`. */
  trackers?: string[];
}

/**
 * Reads the canonical state of the database `client` is connected to. The client must not be
 * inside a transaction: the snapshot opens its own, so that every catalog read and every data
 * fingerprint sees the same instant.
 */
export async function takeSnapshot(client: pg.Client, options: SnapshotOptions = {}): Promise<Snapshot> {
  const trackers = (options.trackers ?? []).map(qualify);
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    // pg_get_*def and format_type print names relative to search_path: empty, they are all
    // qualified, whatever the migrations or the connection set it to. `true`: this transaction only.
    await client.query(`SELECT pg_catalog.set_config('search_path', '', true); ${NO_PARALLEL}`);
    const version = await client.query<{ v: string }>(`SELECT pg_catalog.current_setting('server_version_num') AS v`);
    const versionNum = Number(version.rows[0]?.v);
    const objects: Record<string, SnapshotObject> = {};
    for (const query of catalogQueries(versionNum)) {
      const result = await client
        .query<{ path: string }>(query.sql, query.takesTrackers ? [trackers] : [])
        .catch((error: unknown) => {
          // Which kind's query failed is what a report from another server version needs.
          if (error instanceof Error) error.message = `snapshot: reading ${query.kind} objects: ${error.message}`;
          throw error;
        });
      for (const { path, ...attributes } of result.rows) {
        if (objects[path] !== undefined) throw new Error(`snapshot: two objects have the path ${path}`);
        objects[path] = sortKeys({ ...attributes, kind: query.kind });
      }
    }
    const data = await fingerprintTables(client, trackers);
    const trackerRows = await readTrackers(client, trackers);
    await client.query('COMMIT');
    return {
      format: 2,
      postgres: { major: Math.floor(versionNum / 10000), versionNum },
      objects: sortKeys(objects),
      data,
      trackers: sortKeys(trackerRows),
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * sha256 of the canonical JSON: equal hashes mean equal snapshots, schema, data and trackers. The
 * server's version is not the state's: two states on one server are equal by content alone.
 */
export function snapshotHash(snapshot: Snapshot): string {
  const { postgres: _server, ...state } = snapshot;
  return createHash('sha256').update(canonicalJson(state)).digest('hex');
}

// A tracker named without a schema lives where the tools put it by default.
function qualify(name: string): string {
  return name.includes('.') ? name : `public.${name}`;
}
