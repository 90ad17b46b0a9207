import { insertStatements } from '../../data/insert.js';
import type { DataPlan } from '../../data/types.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import type { Trace } from '../../runners/types.js';
import type { Difference } from '../../snapshot/types.js';
import { compareStates } from '../compare.js';
import { errorFinding, placelessFinding, stateFinding } from '../findings.js';
import { dataHintFor } from '../hints.js';
import type { State } from '../states.js';
import type { Finding } from '../types.js';
import { writersOf, type Writer } from '../writer.js';
import { tableOf, type Accepted, type CaseSetup, type CaseStart } from './types.js';

/* What check populated reports: the failure or the change, the rows that caused it as INSERT statements. */

function rowCount(n: number): string {
  return `${n} generated row${n === 1 ? '' : 's'}`;
}

export function withRows(finding: Finding, start: CaseStart, plan: DataPlan, accepted: Accepted, report?: boolean): Finding {
  return {
    ...finding,
    case: { boundary: start.boundary.label, block: start.boundary.block, rows: accepted.rows },
    ...(report ? { rows: insertStatements(start.shapes, plan, accepted.inserted) } : {}),
  };
}

export function upgradeFinding(setup: CaseSetup, start: CaseStart, plan: DataPlan, trace: Trace, accepted: Accepted, report?: boolean, which = 'the rest of the set'): Finding {
  const failure = trace.failure;
  const message = failure
    ? `${failure.error.message}: with ${rowCount(accepted.rows)} put in ${start.boundary.label}, ${which} fails`
    : `${trace.refusal?.message ?? 'the run stopped'}: with ${rowCount(accepted.rows)} put in ${start.boundary.label}, ${which} stops`;
  const finding: Finding = failure
    ? errorFinding('populated', failure, setup.reproduce, message)
    : placelessFinding('populated', message, setup.reproduce, trace.refusal?.message ?? 'the run stopped');
  const hint = failure ? dataHintFor(failure.error.sqlstate, failure.statement) : null;
  return withRows({ ...finding, ...(hint ? { hint } : {}) }, start, plan, accepted, report);
}

export async function changeFinding(
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
