import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Statements prepared with SQL `PREPARE` on a connection and run by `EXECUTE`: unlike the
 * protocol's own prepared statements, any number of them go in one simple query, so one round trip
 * runs a whole read, each statement parsed and planned once per connection (a kept one: migtest
 * reads the same catalogs on it again and again, and their planning is much of a read's cost).
 */

/** The statements prepared on each connection, by name. */
const PREPARED = new WeakMap<pg.Client, Set<string>>();

const PREFIX = 'migtest_';

/** A query to run as a statement prepared on the connection it is sent on (`send`), named by its text. */
export interface Prepared {
  name: string;
  text: string;
}

export function statement(text: string): Prepared {
  return { name: `${PREFIX}${createHash('md5').update(text).digest('hex')}`, text };
}

const REMEMBERED = new Map<string, Prepared>();

/**
 * The statement `build` makes, remembered by `key` (which must say everything its text depends
 * on): a read that sends the same statements again and again (a mark per state, a statement per
 * table) neither builds their texts nor hashes them each time. The oldest are forgotten past a
 * bound.
 */
export function remembered(key: string, build: () => string): Prepared {
  let found = REMEMBERED.get(key);
  if (!found) {
    found = statement(build());
    REMEMBERED.set(key, found);
    if (REMEMBERED.size > 20_000) REMEMBERED.delete(REMEMBERED.keys().next().value!);
  }
  return found;
}

/** The connection's prepared statements are gone (DISCARD ALL): they are prepared again when next used. */
export function forgetStatements(client: pg.Client): void {
  PREPARED.delete(client);
}

/**
 * Sends `parts` as one simple query: plain SQL as it is, a Prepared as `EXECUTE`, prepared first
 * (`PREPARE`) where the connection has not yet. After a failure the transaction is rolled back, and
 * the statements the connection holds are learnt from the server (a PREPARE is not undone by a
 * rollback, and some may have run before the failure).
 */
export async function send(client: pg.Client, parts: (string | Prepared)[], options: { rowMode?: 'array' } = {}): Promise<pg.QueryResult[]> {
  let known = PREPARED.get(client);
  if (!known) PREPARED.set(client, (known = new Set()));
  const held = known;
  const sql = parts
    .map((part) => (typeof part === 'string' ? part : held.has(part.name) ? `EXECUTE ${part.name}` : `PREPARE ${part.name} AS ${part.text};\nEXECUTE ${part.name}`))
    .join(';\n');
  try {
    const results = options.rowMode ? await client.query({ text: sql, rowMode: options.rowMode } satisfies pg.QueryArrayConfig) : await client.query(sql);
    for (const part of parts) if (typeof part !== 'string') held.add(part.name);
    return (Array.isArray(results) ? results : [results]) as pg.QueryResult[];
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const found = await client
      .query<{ name: string }>(`SELECT name FROM pg_catalog.pg_prepared_statements WHERE name LIKE 'migtest\\_%'`)
      .catch(() => undefined);
    if (found) PREPARED.set(client, new Set(found.rows.map((r) => r.name)));
    else PREPARED.delete(client);
    throw error;
  }
}

/**
 * Runs `read`, again once if the connection lost statements it had prepared (a pooled connection
 * is reset with DISCARD ALL when given back): `send` has learnt which it holds.
 */
export async function withPrepared<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if ((error as { code?: string }).code !== '26000') throw error;
    return read();
  }
}

/** Each connection's server version, read once. */
const VERSIONS = new WeakMap<pg.Client, number>();

/** Records the server version of a connection made by a caller that knows it (src/postgres/server.ts): no query for it then. */
export function knowServerVersion(client: pg.Client, version: number): void {
  if (version > 0) VERSIONS.set(client, version);
}

/** The connection's `server_version_num`: known, or read on its first use only. */
export async function serverVersion(client: pg.Client): Promise<number> {
  let version = VERSIONS.get(client);
  if (version === undefined) {
    version = Number((await client.query<{ v: string }>(`SELECT pg_catalog.current_setting('server_version_num') AS v`)).rows[0]?.v);
    VERSIONS.set(client, version);
  }
  return version;
}
