import { insertData } from '../../data/insert.js';
import type { DataPlan, Inserted, Shapes } from '../../data/types.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import { fingerprintTables } from '../../snapshot/data.js';
import type { DataFingerprint } from '../../snapshot/types.js';
import type { Accepted } from './types.js';

/*
 * The steps every case of check populated takes, on a runner model's databases and on a real
 * tool's alike: put the rows in, read the tables.
 */

/** Puts the rows of `plan` into `db`, as the table owners, triggers firing. */
export async function putRows(db: DatabaseHandle, shapes: Shapes, plan: DataPlan): Promise<Accepted> {
  const client = await db.connect();
  let inserted: Inserted[];
  try {
    inserted = await insertData(client, shapes, plan);
  } finally {
    await client.end();
  }
  return { rows: inserted.reduce((sum, t) => sum + t.rows, 0), inserted };
}

/** The data tables of `db` but the runner's `trackers`, each as a fingerprint of its rows. */
export async function fingerprints(db: DatabaseHandle, trackers: string[]): Promise<Record<string, DataFingerprint>> {
  const client = await db.connect();
  try {
    return await fingerprintTables(client, trackers);
  } finally {
    await client.end();
  }
}
