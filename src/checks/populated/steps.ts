import { insertData } from '../../data/insert.js';
import type { DataPlan, Inserted, Shapes } from '../../data/types.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import { fingerprintTables } from '../../snapshot/data.js';
import type { DataFingerprint, Difference } from '../../snapshot/types.js';
import { dataDifferences } from '../compare.js';
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
async function fingerprints(db: DatabaseHandle, trackers: string[]): Promise<Record<string, DataFingerprint>> {
  const client = await db.connect();
  try {
    return await fingerprintTables(client, trackers);
  } finally {
    await client.end();
  }
}

/** What one more run did: the run, whether it failed, and (when it did not) the data tables where it changed rows. */
export interface Again<R> {
  run: R;
  fails: boolean;
  changed: Difference[];
}

/**
 * One more run over `db` (a runner model's run or a real tool's), its data tables read before and
 * after: the run again that a case over rows, its baseline without them and a tool's all compare.
 */
export async function runAgain<R extends { ok: boolean }>(db: DatabaseHandle, trackers: string[], run: (db: DatabaseHandle) => Promise<R>): Promise<Again<R>> {
  const before = await fingerprints(db, trackers);
  const again = await run(db);
  if (!again.ok) return { run: again, fails: true, changed: [] };
  return { run: again, fails: false, changed: dataDifferences(before, await fingerprints(db, trackers)) };
}
