import { crc32 } from 'node:zlib';
import type { RunLock } from '../types.js';
import { TRACKER_SPEC } from './version.js';

/*
 * golang-migrate's postgres driver locks every run: Lock() runs `SELECT pg_advisory_lock($1)` on the
 * driver's one connection, which waits as long as it takes, and Unlock() gives it back at the end
 * (database/postgres/postgres.go, Lock and Unlock; `migrate up` takes it around the whole run,
 * migrate.go lock()). The key is database.GenerateAdvisoryLockId(databaseName, schemaName,
 * tableName) (database/util.go): the CRC-32 (IEEE) of "schema\0table\0database", times the salt
 * 1486364155, in 32-bit arithmetic, as an unsigned decimal.
 */

const SALT = 1486364155;

/** The advisory lock key golang-migrate computes for its tracker table in `database`. */
export function advisoryLockId(database: string, schema = TRACKER_SPEC.schema, table = TRACKER_SPEC.table): string {
  const sum = crc32(Buffer.from([schema, table, database].join('\0'), 'utf8'));
  return String(Number((BigInt(sum) * BigInt(SALT)) % 2n ** 32n));
}

export const RUN_LOCK: RunLock = {
  summary: 'pg_advisory_lock(crc32("public\\0schema_migrations\\0<database>") × 1486364155) held on its connection for the whole run (database/postgres/postgres.go Lock)',
  acquire: (_plan, db) => `SELECT pg_advisory_lock(${advisoryLockId(String(db.config.database ?? db.name))})`,
  release: (_plan, db) => `SELECT pg_advisory_unlock(${advisoryLockId(String(db.config.database ?? db.name))})`,
};
