import type pg from 'pg';
import type { Migration } from '../../migrations/types.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import { toPgError } from '../execute.js';
import { adminClient } from './cluster.js';
import { coddTimestamp } from './format.js';

/*
 * codd's record of what it applied: its schema, codd.sql_migrations, and the rows it writes.
 */

export const SCHEMA = 'codd';
export const TABLE = 'sql_migrations';

/** codd.sql_migrations as InternalSchema V1 to V5 leave it (V5's background-job objects left out). */
const CREATE_TRACKER = `
CREATE SCHEMA codd;
GRANT USAGE ON SCHEMA codd TO PUBLIC;
CREATE TABLE codd.sql_migrations (
  id SERIAL PRIMARY KEY,
  migration_timestamp timestamptz NOT NULL,
  applied_at timestamptz,
  name text NOT NULL,
  application_duration interval,
  num_applied_statements int,
  no_txn_failed_at timestamptz,
  txnid bigint DEFAULT txid_current(),
  connid int DEFAULT pg_backend_pid(),
  UNIQUE (name),
  UNIQUE (migration_timestamp),
  CONSTRAINT no_txn_mig_applied_or_failed CHECK ((applied_at IS NULL) <> (no_txn_failed_at IS NULL))
);
GRANT INSERT, SELECT, UPDATE ON TABLE codd.sql_migrations TO PUBLIC;
GRANT USAGE, SELECT ON SEQUENCE codd.sql_migrations_id_seq TO PUBLIC;`;

/** codd's createCoddSchema, which words a permission error its own way. */
export async function createTracker(client: pg.Client): Promise<void> {
  try {
    await client.query(CREATE_TRACKER);
  } catch (error) {
    const e = toPgError(error);
    if (e.sqlstate !== '42501') throw error;
    throw Object.assign(
      new Error(
        "Not enough permissions to create or update codd's internal schema. Please check that your default connection string can create tables, sequences and GRANT them permissions." +
          ` (${e.message})`,
      ),
      { code: e.sqlstate },
    );
  }
}

/** A migration applied (or a no-txn one failed) whose row codd has not written yet. */
export interface Applied {
  migration: Migration;
  failed: boolean;
  count: number;
  durationMs: number;
  at?: Date;
  ids?: { txnid: string; connid: number };
}

/** What codd.sql_migrations of `db` holds, read by migtest itself (not as codd would see it). */
export async function recordedIn(db: DatabaseHandle): Promise<Map<string, { succeeded: boolean; count: number }>> {
  const rows = new Map<string, { succeeded: boolean; count: number }>();
  const client = await adminClient(db.config, db.name);
  try {
    const ready = await client.query<{ ready: boolean }>(`SELECT to_regclass('codd.sql_migrations') IS NOT NULL AS ready`);
    if (ready.rows[0]?.ready !== true) return rows;
    const found = await client.query<{ name: string; succeeded: boolean; n: number }>(
      `SELECT name, no_txn_failed_at IS NULL AS succeeded, COALESCE(num_applied_statements, 0) AS n FROM codd.sql_migrations`,
    );
    for (const row of found.rows) rows.set(row.name, { succeeded: row.succeeded, count: row.n });
    return rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function inTransaction<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN READ WRITE');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The ids (and time, for a record written later) codd reads from the connection that applied a migration. */
export async function idsOf(client: pg.Client, withTime: boolean): Promise<Pick<Applied, 'at' | 'ids'>> {
  const { rows } = await client.query<{ at: Date; txnid: string; connid: number }>(
    `SELECT clock_timestamp() AS at, txid_current()::text AS txnid, pg_backend_pid() AS connid`,
  );
  const row = rows[0]!;
  return { ...(withTime ? { at: row.at } : {}), ids: { txnid: row.txnid, connid: row.connid } };
}

/**
 * codd's registerRanMigration: one row per migration, updated when a failed no-txn migration is
 * resumed. `now`: the time is the server's clock now, else the time the migration was applied.
 */
export async function register(client: pg.Client, a: Applied, now: boolean): Promise<void> {
  const params: unknown[] = [coddTimestamp(a.migration), a.migration.name, `${(a.durationMs / 1000).toFixed(6)} seconds`, a.count];
  const time = now ? 'clock_timestamp()' : `$${params.push(a.at ?? new Date())}::timestamptz`;
  const [appliedAt, failedAt] = a.failed ? ['NULL', time] : [time, 'NULL'];
  let columns = '';
  let values = '';
  if (a.ids) {
    columns = ', txnid, connid';
    values = `, $${params.push(a.ids.txnid)}::bigint, $${params.push(a.ids.connid)}::int`;
  }
  await client.query(
    `INSERT INTO codd.sql_migrations AS m (migration_timestamp, name, application_duration, num_applied_statements, applied_at, no_txn_failed_at${columns})
     VALUES ($1::timestamptz, $2::text, $3::interval, $4::int, ${appliedAt}, ${failedAt}${values})
     ON CONFLICT (name) DO UPDATE
       SET application_duration = EXCLUDED.application_duration + m.application_duration,
           num_applied_statements = EXCLUDED.num_applied_statements,
           applied_at = EXCLUDED.applied_at,
           no_txn_failed_at = EXCLUDED.no_txn_failed_at,
           txnid = EXCLUDED.txnid,
           connid = EXCLUDED.connid`,
    params,
  );
}
