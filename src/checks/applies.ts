import type { Plan, RunnerModel, Trace } from '../runners/types.js';
import { trackerOf } from '../runners/tracker.js';
import { errorFinding, placelessFinding } from './findings.js';
import type { State } from './states.js';
import type { CheckContext, CheckName, CheckOutcome, Finding } from './types.js';

/**
 * Thrown by a check that starts from the applied set when the first run of the set fails: the
 * check cannot run, and that is a failure of the run, never a skip (a set that does not apply must
 * not pass because `fresh` was left out of `--checks` or ran on another shard). runChecks turns it
 * into the check's failure with cannotRun.
 */
export class SetDoesNotApply extends Error {
  constructor(readonly trace: Trace) {
    super('the first run of the set fails');
    this.name = 'SetDoesNotApply';
  }
}

/** The state after the whole set: what twice, resume, fault, retry and expected start from or compare with. */
export async function appliedSet(context: CheckContext): Promise<State> {
  const fresh = await context.states.fresh();
  if (!fresh.trace.ok) throw new SetDoesNotApply(fresh.trace);
  return fresh;
}

/** Why a check that could not run failed, in every report format. */
export const CANNOT_RUN = 'cannot run: the set does not apply to an empty database (the first run fails)';

/**
 * The outcome of a check that could not run: failed, no case run, with the error that stopped the
 * first run as its finding (where, SQLSTATE, message), so the check's own report (a JUnit testcase,
 * a vitest test, `--checks twice` alone) says why.
 */
export function cannotRun(check: CheckName, trace: Trace, reproduce: string): CheckOutcome {
  return { status: 'fail', cases: 0, findings: [firstRunFinding(check, trace, reproduce)], reason: CANNOT_RUN };
}

function firstRunFinding(check: CheckName, trace: Trace, reproduce: string): Finding {
  const prefix = `the first run fails here, so ${check} cannot run: `;
  if (trace.failure) return errorFinding(check, trace.failure, reproduce, prefix + trace.failure.error.message);
  // A refusal by the tool itself on an empty database: no statement to point at.
  const message = trace.refusal?.message ?? 'the first run fails';
  return placelessFinding(check, prefix + message, reproduce, message, trace.refusal?.operatorAction ?? null);
}

/**
 * Why a check cannot find anything under a runner model, read from the model's properties (never
 * its name), or undefined when it applies. Such a check is skipped with the reason: a pass would
 * say a property holds that nothing tested. The table in docs/checks.md says the same per runner.
 */
export function skipReason(check: CheckName, model: RunnerModel, plan?: Plan): string | undefined {
  const tracker = plan ? trackerOf(model, plan) : model.tracker;
  if (check === 'twice' && tracker) {
    const table = `${tracker.schema}.${tracker.table}`;
    return `${model.name} records each migration it applies in ${table} and never runs one again, so a second run has nothing to do and twice cannot find anything; resume and fault run a migration again after a partial run`;
  }
  return undefined;
}
