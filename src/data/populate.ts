import fc from 'fast-check';
import type pg from 'pg';
import { dataArbitrary } from './arbitraries.js';
import { readShapes } from './catalog.js';
import { insertData, type ParentKeys } from './insert.js';
import type { DataPlan, Filled, PopulateReport, Shapes } from './types.js';

export interface PopulateOptions {
  /** Rows per table (default 5). */
  rows?: number;
  /** fast-check seed: the same seed on the same schema gives the same rows. Default: a random one, reported. */
  seed?: number;
  /** Schemas to fill (default every schema but PostgreSQL's own). */
  schemas?: string[];
  /** Tables not to fill beside the migration tools' trackers: `schema.name`, `name` or `schema.*`. */
  exclude?: string[];
}

/** Rounds that top up tables the server refused rows of, each from the next seed. */
const TOP_UPS = 5;

/**
 * Fills every user table of the database `client` is connected to with generated rows, in one
 * transaction of its own (call it outside a transaction block): `rows` per table where the server
 * accepts them. Rows the server refuses (a CHECK the generator could not read, a unique collision
 * with rows the migrations seeded, a trigger) are replaced from up to five more rounds. Tables
 * that cannot be filled are in `unfilled` with the reason; those deliberately left out
 * (partitions, foreign tables, extensions' and trackers' tables) in `skipped`.
 */
export async function populate(client: pg.ClientBase, options: PopulateOptions = {}): Promise<PopulateReport> {
  const started = performance.now();
  const rows = Math.max(0, options.rows ?? 5);
  const seed = options.seed ?? (Date.now() ^ (Math.random() * 0x100000000)) >>> 0;
  const shapes = await readShapes(client, { ...(options.schemas ? { schemas: options.schemas } : {}), ...(options.exclude ? { exclude: options.exclude } : {}) });
  const totals: Filled[] = shapes.tables.map((t) => ({ table: `${t.schema}.${t.name}`, rows: 0, wanted: rows }));
  const keys: ParentKeys = new Map();
  await client.query('BEGIN');
  try {
    let short: Set<number> | undefined;
    for (let round = 0; round <= TOP_UPS && (short === undefined || short.size > 0); round++) {
      const plan = planOf(shapes, rows, seed + round, short);
      if (short) for (const i of short) plan.tables[i]!.rows = plan.tables[i]!.rows.slice(0, rows - totals[i]!.rows);
      const got = await insertData(client, shapes, plan, { transaction: false, keys });
      got.forEach((g, i) => {
        const total = totals[i]!;
        total.rows += g.rows;
        if (g.reason && total.reason === undefined && g.rows < g.wanted) total.reason = g.reason;
      });
      short = new Set(totals.flatMap((t, i) => (t.rows < rows ? [i] : [])));
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  for (const total of totals) if (total.rows >= total.wanted) delete total.reason;
  return {
    seed,
    rows: totals.reduce((n, t) => n + t.rows, 0),
    tables: totals,
    unfilled: shapes.unfilled,
    skipped: shapes.skipped,
    ms: Math.round(performance.now() - started),
  };
}

function planOf(shapes: Shapes, rows: number, seed: number, only?: Set<number>): DataPlan {
  const arbitrary = dataArbitrary(shapes, { rows, minRows: rows, ...(only ? { only } : {}) });
  return fc.sample(arbitrary, { seed, numRuns: 1 })[0]!;
}
