import fc from 'fast-check';
import { dataArbitrary } from '../../data/arbitraries.js';
import { readShapes } from '../../data/catalog.js';
import { insertStatements } from '../../data/insert.js';
import type { DataPlan, Shapes } from '../../data/types.js';
import { splitStatements } from '../../migrations/split.js';
import { putRows, runAgain } from '../populated/steps.js';
import { atTheLimits, type Failed } from '../populated/verdict.js';
import { DATA_RUNS, DEFAULT_ROWS, EXHAUSTIVE_DATA_RUNS, tableOf } from '../populated/types.js';
import type { Finding } from '../types.js';
import { differenceFinding, failingStatement, placeOf, runFailure, stoppingError } from './findings.js';
import type { ToolRun, ToolStates } from './states.js';
import type { ToolCheck, ToolContext } from './types.js';

/**
 * `populated` on a real tool: generated rows in the state the tool's first run left, then the
 * tool's next run (a deploy that brings nothing new, every boot of a service's own runner) must
 * succeed and change none of the rows. A tool without a tracker runs its files again over the
 * application's rows here, which is where a backfill that misbehaves on a second run shows. Only
 * this boundary: migtest cannot stop a real tool between its migrations (docs/tools.md).
 */
export const toolPopulated: ToolCheck = {
  name: 'populated',
  async run(context) {
    const { states } = context;
    const { state } = await states.freshRun();
    const shapes = await states.readCopy(state, (client) => readShapes(client, { exclude: states.trackers }));
    const unfilled = shapes.unfilled;
    const details = { rows: context.options.rows ?? DEFAULT_ROWS, ...(unfilled.length > 0 ? { unfilled } : {}) };
    if (shapes.tables.length === 0) return { status: 'skip', cases: 0, findings: [], reason: 'the tool\'s fresh state has no table to fill', details };
    const baseline = await changedWithoutRows(states, state);
    if (baseline === 'fails') return { status: 'skip', cases: 0, findings: [], reason: 'the tool\'s next run fails on its fresh state without rows: twice reports it', details };
    const seed = context.options.seed ?? Math.floor(Math.random() * 2 ** 31);
    const reproduce = context.reproduce('populated', ['--seed', String(seed)]);
    let cases = 0;
    const evaluate = async (plan: DataPlan, report = false): Promise<Finding | null> => {
      cases++;
      return oneCase(context, state, shapes, plan, baseline, reproduce, report);
    };
    const result = await fc.check(
      fc.asyncProperty(dataArbitrary(shapes, { rows: details.rows }), async (plan) => (await evaluate(plan)) === null),
      { seed, numRuns: context.options.exhaustive ? EXHAUSTIVE_DATA_RUNS : DATA_RUNS },
    );
    if (!result.failed) return { status: 'pass', cases, findings: [], details };
    if (!result.counterexample) throw result.errorInstance ?? new Error('check populated: a case could not run');
    const finding = await evaluate(result.counterexample[0], true);
    if (!finding) throw new Error('check populated: the shrunk data set passed when replayed');
    return { status: 'fail', cases, findings: [finding], details };
  },
};

type State = Awaited<ReturnType<ToolStates['freshRun']>>['state'];

/** Tables the tool's next run changes on its fresh state without rows (twice's to report), or `fails`. */
async function changedWithoutRows(states: ToolStates, state: State): Promise<Set<string> | 'fails'> {
  const db = await states.copy(state);
  try {
    const again = await runAgain(db, states.trackers, (on) => states.runTool(on));
    return again.fails ? 'fails' : new Set(again.changed.map(tableOf));
  } finally {
    await states.drop(db);
  }
}

async function oneCase(
  context: ToolContext,
  state: State,
  shapes: Shapes,
  plan: DataPlan,
  baseline: Set<string>,
  reproduce: string,
  report: boolean,
): Promise<Finding | null> {
  const { states, files } = context;
  const db = await states.copy(state);
  try {
    const { rows, inserted } = await putRows(db, shapes, plan);
    if (rows === 0) return null;
    const withRows = (f: Finding): Finding => ({ ...f, case: { rows }, ...(report ? { rows: insertStatements(shapes, plan, inserted) } : {}) });
    const label = `with ${rows} generated row${rows === 1 ? '' : 's'} in the tool's fresh state`;
    // The first run over the rows may do what it must (a backfill of what the rows lack); the
    // next one must find nothing left to do.
    const first = await states.runTool(db);
    if (!first.ok) return atTheLimits(failedRun(first)) ? null : withRows(runFailure('populated', first, files, reproduce, `${label}, its next run`));
    const again = await runAgain(db, states.trackers, (on) => states.runTool(on));
    if (again.fails) return atTheLimits(failedRun(again.run)) ? null : withRows(runFailure('populated', again.run, files, reproduce, `${label}, the run after its next one`));
    const changed = again.changed.filter((d) => !baseline.has(tableOf(d)));
    if (changed.length === 0) return null;
    const table = tableOf(changed[0]!).split('.').pop()!;
    // The statements of that run that name the table: the last one is the likeliest writer.
    const name = new RegExp(`\\b${table.replace(/[^\w]/g, '')}\\b`, 'i');
    const naming = again.run.boundaries.filter((b) => name.test(b.text));
    const suspects = [...naming].reverse().map((b) => placeOf(files, b.text)).filter((p) => p.file !== null);
    return withRows(differenceFinding('populated', `${label}, a run again changed rows that were there before`, changed, suspects[0] ?? placeOf(files, undefined), reproduce));
  } finally {
    await states.drop(db);
  }
}

/** A run of the tool that failed, for the verdict: the server's error and the kind of the statement it stopped at. */
export function failedRun(run: ToolRun): Failed | undefined {
  const error = stoppingError(run);
  if (!error) return undefined;
  const sql = failingStatement(error)?.sql;
  let kind: string | undefined;
  try {
    kind = sql ? splitStatements(sql, { file: '' })[0]?.kind : undefined;
  } catch {
    kind = undefined; // text the parser refuses: read as any statement but a type change
  }
  return { sqlstate: error.sqlstate, kind };
}
