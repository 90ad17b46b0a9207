import type pg from 'pg';
import type { DatabaseHandle } from '../postgres/types.js';
import { compareText } from '../snapshot/canonical.js';
import { fingerprintTables } from '../snapshot/data.js';
import { diffSnapshots } from '../snapshot/diff.js';
import type { StateHash } from '../snapshot/hash.js';
import {
  dataTables,
  isExact,
  relaxedFingerprints,
  rowDigests,
  rowsWithDigests,
  unmatchedDigests,
  type Relaxation,
  type TableRef,
} from '../snapshot/relaxed.js';
import { tableOf, type DataFingerprint, type Difference, type Snapshot } from '../snapshot/types.js';
import type { State, States } from './states.js';

/** Rows shown per side of a data difference: enough to see what differs, never a table dump. */
const ROWS_SHOWN = 5;

export interface CompareOptions {
  /**
   * Values PostgreSQL makes anew in every run are not differences: columns that differ between two
   * fresh runs are compared by shape (NULL or not), sequence-filled columns and the foreign keys
   * to them up to an order-preserving renumbering. For a state reached another way than the
   * reference (a recovery, a retry, a replay); never for `twice`, where the same database before
   * and after a second run must hold the same values.
   */
  relaxed: boolean;
  /** Compare the tracker tables too (without the tool's own volatile columns). */
  trackers: boolean;
}

/** A table some of whose columns were not compared exactly. */
export interface RelaxedTable {
  table: string;
  /** Compared by shape only: NULL or not. */
  shape: string[];
  /** Compared up to an order-preserving renumbering (sequence-filled, or a foreign key to one). */
  renumbered: string[];
}

export type Comparison =
  | { equal: true; hash: StateHash }
  | { equal: false; hash: StateHash; diff: Difference[]; relaxed: RelaxedTable[] };

/**
 * What a comparison reads of a run's states: a model's (States) or a real tool's (src/checks/tool/states.ts).
 */
export type ComparedStates = Pick<States, 'hashAgainst' | 'canonical' | 'relaxedReference' | 'snapshotOf' | 'snapshot' | 'readCopy' | 'trackers'> & {
  settings: { relaxed?: boolean };
};

/**
 * Compares the state of `db` with a kept `reference`: the server-side hashes first, and only when
 * they differ the per-table fingerprints (relaxed ones when asked), then the snapshots for the
 * schema and tracker differences, and the rows on either side only, read to explain a difference.
 * Every check compares states through here.
 */
export async function compareStates(states: ComparedStates, db: DatabaseHandle, reference: State, options: CompareOptions): Promise<Comparison> {
  const hash = await states.hashAgainst(db, reference);
  // Equal raw digests but for the trackers: the same schema and data, row for row.
  const sameRows = hash.rawState === reference.hash.rawState;
  // A reference hashed raw only that this state does not equal row for row: its canonical hashes now.
  if (!sameRows && reference.hash.rawOnly) await states.canonical(reference);
  const schemaDiffers = !sameRows && hash.schema !== reference.hash.schema;
  const trackersDiffer = options.trackers && hash.trackers !== reference.hash.trackers;
  const dataDiffers = !sameRows && hash.data !== reference.hash.data;
  if (!schemaDiffers && !trackersDiffer && !dataDiffers) return { equal: true, hash };

  const relaxed = options.relaxed && states.settings.relaxed !== false;
  let relaxation: Relaxation = {};
  let data: Difference[] = [];
  let tables: TableRef[] = [];
  if (dataDiffers) {
    const client = await db.connect();
    try {
      tables = await dataTables(client, states.trackers);
      if (relaxed) {
        const ref = await states.relaxedReference(reference);
        relaxation = ref.relaxation;
        // Each side's own tables: a table on one side only is a difference, never a failed query.
        data = dataDifferences(ref.fingerprints, await relaxedFingerprints(client, tables, relaxation));
      } else {
        data = dataDifferences((await states.snapshotOf(reference)).data, await fingerprintTables(client, states.trackers));
      }
    } finally {
      await client.end();
    }
  }
  let objects: Difference[] = [];
  if (schemaDiffers || trackersDiffer) {
    const [expected, found] = [await states.snapshotOf(reference), await states.snapshot(db)];
    objects = diffSnapshots({ ...expected, data: {} }, { ...found, data: {} }, { includeTrackers: options.trackers });
  }
  const diff = [...objects, ...data].sort((a, b) => compareText(a.path, b.path));
  if (diff.length === 0) return { equal: true, hash };
  if (data.length > 0) await explainRows(states, db, reference, data, tables, relaxation);
  return { equal: false, hash, diff, relaxed: relaxedTables(data, relaxation) };
}

export function dataDifferences(expected: Record<string, DataFingerprint>, found: Record<string, DataFingerprint>): Difference[] {
  const snapshot = (data: Record<string, DataFingerprint>): Snapshot => ({ format: 2, objects: {}, data, trackers: {} });
  return diffSnapshots(snapshot(expected), snapshot(found));
}

/** Tables of both sides by name, the reference's description first. */
function mergeTables(reference: TableRef[], found: TableRef[]): TableRef[] {
  const byName = new Map<string, TableRef>();
  for (const t of [...found, ...reference]) byName.set(`${t.schema}.${t.name}`, t);
  return [...byName.values()];
}

/**
 * Adds to each data difference the rows, as compared, that have no equal on the other side (at
 * most ROWS_SHOWN per side, and how many there are): a duplicated, missing or changed row.
 */
async function explainRows(
  states: ComparedStates,
  db: DatabaseHandle,
  reference: State,
  data: Difference[],
  tables: TableRef[],
  relaxation: Relaxation,
): Promise<void> {
  const client = await db.connect();
  try {
    await states.readCopy(reference, async (refClient) => {
      const all = mergeTables(await dataTables(refClient, states.trackers), tables);
      const byName = new Map(all.map((t) => [`${t.schema}.${t.name}`, t]));
      for (const d of data) {
        const name = tableOf(d);
        const table = byName.get(name);
        if (!table) continue;
        const rule = relaxation[name];
        const read = async (c: pg.Client, side: unknown): Promise<string[]> => (side === undefined ? [] : rowDigests(c, table, rule));
        const { expected, found } = unmatchedDigests(await read(refClient, d.expected), await read(client, d.found));
        const rows = async (c: pg.Client, digests: string[]): Promise<unknown[]> => {
          const shown = digests.slice(0, ROWS_SHOWN);
          const byDigest = await rowsWithDigests(c, table, rule, shown);
          return shown.map((h) => byDigest.get(h));
        };
        if (d.expected !== undefined) d.expected = { ...(d.expected as DataFingerprint), unmatched: await rows(refClient, expected), unmatchedRows: expected.length };
        if (d.found !== undefined) d.found = { ...(d.found as DataFingerprint), unmatched: await rows(client, found), unmatchedRows: found.length };
      }
    });
  } finally {
    await client.end();
  }
}

function relaxedTables(data: Difference[], relaxation: Relaxation): RelaxedTable[] {
  return data.flatMap((d) => {
    const table = tableOf(d);
    const rule = relaxation[table];
    if (!rule || isExact(rule)) return [];
    return [{ table, shape: rule.shape, renumbered: [...rule.renumber, ...rule.references.map((k) => k.column)].sort(compareText) }];
  });
}

/**
 * What a finding says of a relaxed comparison: which values were not compared exactly, and why.
 * Null when every value of the tables that differ was compared exactly.
 */
export function relaxedNote(relaxed: RelaxedTable[]): string | null {
  const shape = relaxed.flatMap((t) => t.shape.map((c) => `${t.table}.${c}`));
  const renumbered = relaxed.flatMap((t) => t.renumbered.map((c) => `${t.table}.${c}`));
  if (shape.length === 0 && renumbered.length === 0) return null;
  const parts = [
    ...(shape.length > 0 ? [`values of ${shape.join(', ')} compared by shape (NULL or not): they differ between two fresh runs`] : []),
    ...(renumbered.length > 0 ? [`${renumbered.join(', ')} compared up to a renumbering that keeps their order: sequence values`] : []),
  ];
  return parts.join('; ');
}
