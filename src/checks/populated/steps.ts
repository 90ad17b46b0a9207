import { insertData } from '../../data/insert.js';
import type { DataPlan, Inserted } from '../../data/types.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import type { Trace } from '../../runners/types.js';
import { fingerprintTables } from '../../snapshot/data.js';
import type { DataFingerprint } from '../../snapshot/types.js';
import type { States } from '../states.js';
import type { Accepted, CaseStart } from './types.js';

/* The steps every case of check populated takes: put the rows in, read the tables, judge a failure. */

/** Puts the rows of `plan` into `db`, as the table owners, triggers firing. */
export async function putRows(db: DatabaseHandle, start: CaseStart, plan: DataPlan): Promise<Accepted> {
  const client = await db.connect();
  let inserted: Inserted[];
  try {
    inserted = await insertData(client, start.shapes, plan);
  } finally {
    await client.end();
  }
  return { rows: inserted.reduce((sum, t) => sum + t.rows, 0), inserted };
}

/** Numeric, date and interval overflow: what arithmetic meets at the extreme values a type allows. */
const OVERFLOW = new Set(['22003', '22008', '22015']);

/**
 * A failure that only the generator's extreme values cause: arithmetic over a column's values (a
 * backfill's `price * 1.2`) that overflows at the type's limits, where the application's values
 * rarely are. Not a finding; a type change that narrows the values stored (ALTER COLUMN … TYPE)
 * is one, since any value out of the new range fails it.
 */
export function atTheLimits(trace: Trace): boolean {
  const failure = trace.failure;
  return failure !== undefined && OVERFLOW.has(failure.error.sqlstate) && failure.statement?.kind !== 'AlterTableStmt';
}

export async function fingerprints(states: States, db: DatabaseHandle): Promise<Record<string, DataFingerprint>> {
  const client = await db.connect();
  try {
    return await fingerprintTables(client, states.trackers);
  } finally {
    await client.end();
  }
}
