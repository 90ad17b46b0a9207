import fc from 'fast-check';
import { waitsOf } from '../runners/retry.js';
import { appliedSet } from './applies.js';
import { explore } from './explore.js';
import { groupFindings } from './findings.js';
import { perMigration } from './retry/cases.js';
import { RetryCases } from './retry/evaluate.js';
import { caseKey, designedCases, rulesOf, scheduleArbitrary, singleFaults } from './retry/oracle.js';
import type { Check, CheckOutcome } from './types.js';

/*
 * Check `retry`, in three parts: the oracle (src/checks/retry/oracle.ts: what each case must do,
 * from the plan and the policy alone, and the cases themselves), how cases are worded and reported
 * (retry/cases.ts), and their evaluation on a server (retry/evaluate.ts). This file puts them together.
 */

// The oracle's names, for callers that know the check by this module.
export {
  ackPoints,
  caseKey,
  designedCases,
  observedUnits,
  predict,
  rulesOf,
  scheduleArbitrary,
  singleFaults,
  toFault,
  TRANSIENT,
  unitOf,
  type PlannedFault,
  type Prediction,
  type RetryCase,
  type RetryRules,
  type TransientKind,
  type UnitTries,
} from './retry/oracle.js';

function merge(a: CheckOutcome, b: CheckOutcome): CheckOutcome {
  const findings = [...a.findings, ...b.findings];
  const status = findings.length > 0 ? 'fail' : a.status === 'skip' && b.status === 'skip' ? 'skip' : 'pass';
  return { status, cases: a.cases + b.cases, findings, ...(status === 'skip' && a.reason ? { reason: a.reason } : {}) };
}

/**
 * Transient faults (40001, 40P01, a lost connection) n times at chosen boundaries, under the retry
 * policy: the run succeeds iff every retry unit fails fewer times than its tries, the tries and
 * waits are the policy's, and the end state is the fresh one (or, when a unit runs out of tries,
 * what the model leaves there). Lost acks: re-running work that had committed must be safe.
 */
export const retry: Check = {
  name: 'retry',
  summary: 'transient faults under the retry policy: tries, waits and outcome as the policy says; a lost ack: re-running committed work is safe',
  async run(context) {
    await appliedSet(context);
    const policy = context.options.retry;
    const rules = rulesOf(context.model, policy);
    const blocks = context.states.plan.blocks;
    if (blocks.length === 0) return { status: 'skip', cases: 0, findings: [], reason: 'the plan has no block' };
    const cases = new RetryCases(context, rules);

    // Transient schedules: sampled with shrinking, or every single fault with --exhaustive.
    const sampled = await explore(context, {
      check: 'retry',
      all: singleFaults(blocks, rules),
      arbitrary: scheduleArbitrary(blocks, rules),
      key: caseKey,
      evaluate: (c) => cases.evaluate(c),
      attribute: (c, finding) => cases.attribute(c, finding),
    });
    // The designed cases always run, all of them: the counter resets, a unit runs out of tries, every lost ack.
    const designed = designedCases(blocks, rules);
    const fixed = await explore(
      { ...context, options: { ...context.options, exhaustive: true } },
      {
        check: 'retry',
        all: designed,
        arbitrary: fc.constantFrom(...(designed.length ? designed : [undefined as never])),
        key: caseKey,
        evaluate: (c) => cases.evaluate(c),
        attribute: (c, finding) => cases.attribute(c, finding),
      },
    );
    const ack = fixed.findings.filter((f) => f.scope?.family === 'ack-lost');
    const designedOutcome = { ...fixed, findings: [...fixed.findings.filter((f) => !ack.includes(f)), ...perMigration(ack)] };
    // A sampled schedule and a designed case can end in one root cause (a transient error after a
    // no-txn statement committed, and a lost ack there, both run the statement again): one finding,
    // the designed case's, whose reproduce command needs no --path.
    const combined = merge(designedOutcome, sampled);
    const outcome = { ...combined, findings: groupFindings(combined.findings) };

    const results = await cases.results();
    const ackLost = new Map<string, { migration: string; file: string | null; safe: boolean; points: number }>();
    for (const r of results) {
      if (r.report.family !== 'ack-lost') continue;
      const fault = r.report.faults[0];
      const name = fault?.migration ?? '';
      const entry = ackLost.get(name) ?? { migration: name, file: fault?.file ?? null, safe: true, points: 0 };
      entry.points++;
      if (r.report.verdict === 'fail') entry.safe = false;
      ackLost.set(name, entry);
    }
    return {
      ...outcome,
      notes: cases.recoveries.notes('retry'),
      details: {
        policy: policy?.text ?? null,
        tries: rules.tries,
        waitsMs: waitsOf(policy, rules.tries - 1),
        retries: rules.inProcess ? 'by the tool, in the run' : 'by a supervisor that runs the tool again',
        noTxnByStatement: rules.noTxnByStatement,
        lostConnection: rules.lostEndsRun ? 'ends the run' : 'retried',
        ackLost: [...ackLost.values()],
        cases: results.map((r) => r.report).sort((a, b) => a.family.localeCompare(b.family)),
      },
    };
  },
};
