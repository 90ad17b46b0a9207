import type fc from 'fast-check';
import { insertData, insertStatements } from '../../data/insert.js';
import type { DataPlan, Inserted, Shapes } from '../../data/types.js';

/** The rows a case put in: how many the server kept, and which (for the INSERT statements). */
interface Accepted {
  rows: number;
  inserted: Inserted[];
}
import type { DatabaseHandle } from '../../postgres/types.js';
import type { Trace } from '../../runners/types.js';
import { fingerprintTables } from '../../snapshot/data.js';
import type { DataFingerprint, Difference } from '../../snapshot/types.js';
import { compareStates, dataDifferences } from '../compare.js';
import { errorFinding, stateFinding } from '../findings.js';
import { dataHintFor } from '../hints.js';
import type { State, States } from '../states.js';
import type { Finding } from '../types.js';
import { writersOf, type Writer } from '../writer.js';
import type { Boundary } from './boundaries.js';

/** What every case of a run shares. */
export interface CaseSetup {
  states: States;
  rows: number;
  /** The runner runs every file on every run: the run after the upgrade runs them all again. */
  rerunAll: boolean;
  baselines: Baselines;
  reproduce: string;
}

/** Where a case starts. */
export interface CaseStart {
  boundary: Boundary;
  state: State;
  shapes: Shapes;
  arbitrary: fc.Arbitrary<DataPlan>;
}

/**
 * What the same runs do without the generated rows, per boundary: a failure or a change they show
 * belongs to the checks that run without data (twice, resume), so a case reports only what the
 * rows add.
 */
export interface Baseline {
  upgradeFails: boolean;
  againFails: boolean;
  /** Tables the run again changes on the empty tables. */
  changed: Set<string>;
}

export class Baselines {
  readonly #found = new Map<number, Promise<Baseline>>();

  constructor(
    private readonly states: States,
    private readonly rerunAll: boolean,
  ) {}

  of(start: CaseStart): Promise<Baseline> {
    let found = this.#found.get(start.boundary.block);
    if (!found) {
      found = this.measure(start.state);
      this.#found.set(start.boundary.block, found);
    }
    return found;
  }

  private async measure(state: State): Promise<Baseline> {
    const db = await this.states.copy(state);
    try {
      const upgrade = await this.states.run(db);
      if (!upgrade.ok) return { upgradeFails: true, againFails: true, changed: new Set() };
      if (!this.rerunAll) return { upgradeFails: false, againFails: false, changed: new Set() };
      const before = await fingerprints(this.states, db);
      const again = await this.states.run(db);
      if (!again.ok) return { upgradeFails: false, againFails: true, changed: new Set() };
      const after = await fingerprints(this.states, db);
      return { upgradeFails: false, againFails: false, changed: new Set(dataDifferences(before, after).map(tableOf)) };
    } finally {
      await this.states.drop(db);
    }
  }
}

/**
 * One case: the rows of `plan` put into a copy of the boundary's state, then the rest of the set,
 * then (rerunAll) a run again. Returns a finding, or null when the property holds. With `report`,
 * the finding also gets the rows as INSERT statements and, for a changed table, the rows that
 * changed and the statement that wrote them (about two more runs: asked for the reported case only).
 */
export async function runCase(setup: CaseSetup, start: CaseStart, plan: DataPlan, options: { report?: boolean } = {}): Promise<Finding | null> {
  const { states } = setup;
  const baseline = await setup.baselines.of(start);
  const db = await states.copy(start.state);
  try {
    const client = await db.connect();
    let inserted: Inserted[];
    try {
      inserted = await insertData(client, start.shapes, plan);
    } finally {
      await client.end();
    }
    const accepted = { rows: inserted.reduce((sum, t) => sum + t.rows, 0), inserted };
    // Rows the server refused are no rows: a case with none tests nothing the other checks do not.
    if (accepted.rows === 0) return null;
    const upgrade = await states.run(db);
    if (!upgrade.ok) return baseline.upgradeFails || atTheLimits(upgrade) ? null : upgradeFinding(setup, start, plan, upgrade, accepted, options.report);
    if (!setup.rerunAll) return null;
    const kept = options.report ? await states.copyDatabase(db) : undefined;
    try {
      const before = await fingerprints(states, db);
      const again = await states.run(db);
      if (!again.ok) return baseline.againFails || atTheLimits(again) ? null : upgradeFinding(setup, start, plan, again, accepted, options.report, 'the run after it');
      const changed = dataDifferences(before, await fingerprints(states, db)).filter((d) => !baseline.changed.has(tableOf(d)));
      if (changed.length === 0) return null;
      return await changeFinding(setup, start, plan, accepted, db, kept, changed);
    } finally {
      if (kept) await states.drop(kept);
    }
  } finally {
    await states.drop(db);
  }
}

/** Numeric, date and interval overflow: what arithmetic meets at the extreme values a type allows. */
const OVERFLOW = new Set(['22003', '22008', '22015']);

/**
 * A failure that only the generator's extreme values cause: arithmetic over a column's values (a
 * backfill's `price * 1.2`) that overflows at the type's limits, where the application's values
 * rarely are. Not a finding; a type change that narrows the values stored (ALTER COLUMN … TYPE)
 * is one, since any value out of the new range fails it.
 */
function atTheLimits(trace: Trace): boolean {
  const failure = trace.failure;
  return failure !== undefined && OVERFLOW.has(failure.error.sqlstate) && failure.statement?.kind !== 'AlterTableStmt';
}

function tableOf(d: Difference): string {
  return d.path.slice('data:'.length);
}

async function fingerprints(states: States, db: DatabaseHandle): Promise<Record<string, DataFingerprint>> {
  const client = await db.connect();
  try {
    return await fingerprintTables(client, states.trackers);
  } finally {
    await client.end();
  }
}

function rowCount(n: number): string {
  return `${n} generated row${n === 1 ? '' : 's'}`;
}

function withRows(finding: Finding, start: CaseStart, plan: DataPlan, accepted: Accepted, report?: boolean): Finding {
  return {
    ...finding,
    case: { boundary: start.boundary.label, block: start.boundary.block, rows: accepted.rows },
    ...(report ? { rows: insertStatements(start.shapes, plan, accepted.inserted) } : {}),
  };
}

function upgradeFinding(setup: CaseSetup, start: CaseStart, plan: DataPlan, trace: Trace, accepted: Accepted, report?: boolean, which = 'the rest of the set'): Finding {
  const failure = trace.failure;
  const message = failure
    ? `${failure.error.message}: with ${rowCount(accepted.rows)} put in ${start.boundary.label}, ${which} fails`
    : `${trace.refusal?.message ?? 'the run stopped'}: with ${rowCount(accepted.rows)} put in ${start.boundary.label}, ${which} stops`;
  const finding: Finding = failure
    ? errorFinding('populated', failure, setup.reproduce, message)
    : {
        check: 'populated',
        file: null,
        line: null,
        column: null,
        statement: null,
        sqlstate: null,
        message,
        hint: null,
        diff: null,
        reproduce: setup.reproduce,
        cause: { file: null, line: null, sqlstate: null, message: trace.refusal?.message ?? null, diff: null },
      };
  const hint = failure ? dataHintFor(failure.error.sqlstate, failure.statement) : null;
  return withRows({ ...finding, ...(hint ? { hint } : {}) }, start, plan, accepted, report);
}

async function changeFinding(
  setup: CaseSetup,
  start: CaseStart,
  plan: DataPlan,
  accepted: Accepted,
  db: DatabaseHandle,
  kept: DatabaseHandle | undefined,
  changed: Difference[],
): Promise<Finding> {
  const { states } = setup;
  const tables = changed.map(tableOf);
  let diff = changed;
  let writers = new Map<string, Writer>();
  if (kept) {
    // The rows on either side, as the reporter shows them, and the statement that wrote them.
    const reference: State = { db: kept, trace: { blocks: [], ok: true }, hash: await states.hash(kept) };
    const comparison = await compareStates(states, db, reference, { relaxed: false, trackers: false });
    if (!comparison.equal) diff = comparison.diff.filter((d) => tables.includes(tableOf(d)));
    writers = await writersOf(states, { copy: () => states.copyDatabase(kept) }, tables).catch(() => new Map());
  }
  const first = writers.get(tables[0]!);
  const inBody = first?.inBody ? `, written at line ${first.inBody.line} inside the DO block at line ${first.statement.line}` : '';
  const finding = stateFinding(
    'populated',
    `a run again changed rows that were there before: ${tables.join(', ')}, with generated rows put in ${start.boundary.label}${inBody}`,
    diff,
    setup.reproduce,
    {
      ...(first ? { statement: first.statement } : {}),
      ...(first?.inBody ? { place: first.inBody } : {}),
      hint: 'a migration that runs again rewrites rows it already handled: make it a no-op when there is nothing left to do (start from the current state, guard the write on what it changes)',
    },
  );
  return withRows(finding, start, plan, accepted, kept !== undefined);
}
