import type pg from 'pg';
import { columnDigests, differingColumns } from '../snapshot/column-digests.js';
import { readMadeAnew, relaxationOf } from '../snapshot/made-anew.js';
import {
  dataTables,
  relaxedFingerprints,
  rowDigests,
  unmatchedDigests,
  type Relaxation,
  type TableRef,
  type TableRelaxation,
} from '../snapshot/relaxed.js';
import type { DataFingerprint } from '../snapshot/types.js';
import type { DatabaseHandle, Server } from '../postgres/types.js';
import type { Trace } from '../runners/types.js';

/**
 * What calibrating asks of a run's states (States in states.ts, which keeps one calibration per
 * run): declared here, so that this module does not import states.ts back. `S` is a kept state.
 */
export interface Calibrated<S> {
  readonly server: Server;
  /** Tracker tables, as qualified names: not data. */
  readonly trackers: string[];
  fresh(): Promise<S>;
  run(db: DatabaseHandle): Promise<Trace>;
  readCopy<T>(state: S, read: (client: pg.Client) => Promise<T>): Promise<T>;
  drop(db: DatabaseHandle): Promise<void>;
}

/*
 * Values PostgreSQL makes anew in every run (now(), clock_timestamp(), gen_random_uuid(),
 * random(), …, in defaults, statements or triggers) are found by running the set a second time,
 * at another moment, on another empty database, and comparing it with the fresh state column by
 * column: what differs between two correct runs is not a defect wherever else it differs.
 */

export interface Calibration {
  /** Per table of the fresh state: the columns compared by shape (none: every value is exact). */
  volatile: Record<string, string[]>;
  /** Why there is no calibration, when the second fresh run failed: the catalog's volatile defaults stand in. */
  failed?: string;
}

/** Two clients, one on each state, and the tables read on both. */
interface Pair {
  a: pg.Client;
  b: pg.Client;
}

async function fingerprint(client: pg.Client, table: TableRef, rule: TableRelaxation): Promise<DataFingerprint | undefined> {
  return (await relaxedFingerprints(client, [table], { [`${table.schema}.${table.name}`]: rule }))[`${table.schema}.${table.name}`];
}

async function unmatched(pair: Pair, table: TableRef, rule: TableRelaxation): Promise<number> {
  const { expected, found } = unmatchedDigests(await rowDigests(pair.a, table, rule), await rowDigests(pair.b, table, rule));
  return expected.length + found.length;
}

function shaping(rule: TableRelaxation, columns: string[]): TableRelaxation {
  const shape = new Set([...rule.shape, ...columns]);
  return {
    shape: [...shape].sort(),
    renumber: rule.renumber.filter((c) => !shape.has(c)),
    references: rule.references.filter((k) => !shape.has(k.column)),
  };
}

/**
 * A table whose rows still differ once its differing columns are shaped: the values are the same
 * in each column but not in the same rows (a value assigned in a random order). Columns are shaped
 * one at a time, each time the one that leaves the fewest rows unmatched, until the rows match;
 * when no single column helps, every column is compared by shape (row count and NULLs).
 */
async function refine(pair: Pair, table: TableRef, rule: TableRelaxation, columns: string[]): Promise<TableRelaxation> {
  let current = rule;
  let left = await unmatched(pair, table, current);
  while (left > 0) {
    const candidates = columns.filter((c) => !current.shape.includes(c));
    if (candidates.length === 0) return current;
    let best: { rule: TableRelaxation; left: number } | undefined;
    for (const column of candidates) {
      const trial = shaping(current, [column]);
      const n = await unmatched(pair, table, trial);
      if (!best || n < best.left) best = { rule: trial, left: n };
    }
    if (!best || best.left >= left) return shaping(current, candidates);
    current = best.rule;
    left = best.left;
  }
  return current;
}

/** Runs the set a second time on an empty database and compares it with the fresh state. */
export async function calibrate<S>(states: Calibrated<S>): Promise<Calibration> {
  const fresh = await states.fresh();
  const second = await states.server.createDatabase();
  try {
    const trace = await states.run(second);
    if (!trace.ok) {
      const failure = trace.failure?.error.message ?? trace.refusal?.message ?? 'it failed';
      return { volatile: {}, failed: `a second fresh run failed (${failure})` };
    }
    const b = await second.connect();
    try {
      return await states.readCopy(fresh, async (a) => {
        const pair = { a, b };
        const tables = await dataTables(a, states.trackers);
        const [digestsA, digestsB] = [await columnDigests(a, tables), await columnDigests(b, tables)];
        const volatile = differingColumns(digestsA, digestsB);
        const relaxation = relaxationOf(await readMadeAnew(a, states.trackers), (t) => volatile[t] ?? []);
        const [printsA, printsB] = [await relaxedFingerprints(a, tables, relaxation), await relaxedFingerprints(b, tables, relaxation)];
        for (const table of tables) {
          const name = `${table.schema}.${table.name}`;
          const [pa, pb] = [printsA[name], printsB[name]];
          if (!pa || !pb || pa.hash === pb.hash || pa.rows !== pb.rows) continue;
          const rule = relaxation[name] ?? { shape: [], renumber: [], references: [] };
          const columns = Object.keys({ ...digestsA[name], ...digestsB[name] }).sort();
          const refined = await refine(pair, table, rule, columns);
          if ((await fingerprint(a, table, refined))?.hash === (await fingerprint(b, table, refined))?.hash) volatile[name] = refined.shape;
        }
        return { volatile };
      });
    } finally {
      await b.end();
    }
  } finally {
    await states.drop(second);
  }
}

/** What comparing states with a kept one takes: its tables, the rules, and its fingerprints under them. */
export interface RelaxedReference {
  tables: TableRef[];
  relaxation: Relaxation;
  fingerprints: Record<string, DataFingerprint>;
}

/** Reads the rules from the state's own catalog (its tables, keys and defaults) with the calibration's columns. */
export async function referenceOf<S>(states: Calibrated<S>, state: S, calibration: Calibration): Promise<RelaxedReference> {
  return states.readCopy(state, async (client) => {
    const tables = await dataTables(client, states.trackers);
    const relaxation = relaxationOf(await readMadeAnew(client, states.trackers), (t) => calibration.volatile[t]);
    return { tables, relaxation, fingerprints: await relaxedFingerprints(client, tables, relaxation) };
  });
}
