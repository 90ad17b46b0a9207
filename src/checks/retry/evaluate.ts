import type { DatabaseHandle } from '../../postgres/types.js';
import { FAULT_MESSAGE } from '../../faults/inject.js';
import { durablePrefix } from '../../migrations/transactions.js';
import type { Block, Trace } from '../../runners/types.js';
import { compareStates, relaxedNote } from '../compare.js';
import { diffSignature } from '../findings.js';
import { pathIn } from '../paths.js';
import { hasDataDifference, Recoveries, recoveryFinding, unverifiedFinding, type CasePoint } from '../recovery.js';
import type { State } from '../states.js';
import type { Cause, CheckContext, Finding } from '../types.js';
import { ackHint, caseReport, describe, retryHint, scopeOf, statementAt, triesText, unitLabel, unitReport, where, type CaseReport } from './cases.js';
import { caseKey, observedUnits, predict, sameTries, toFault, type RetryCase, type RetryRules } from './oracle.js';

/** What one case came to: its finding, if any, and its report (with the verdict). */
export interface CaseResult {
  finding: Finding | null;
  report: CaseReport;
}

/**
 * Runs the retry check's cases on the server, each once whatever asks for it (sampling, the designed
 * cases, attribution), and judges each trace by the oracle's prediction.
 */
export class RetryCases {
  readonly #results = new Map<string, Promise<CaseResult>>();
  readonly recoveries: Recoveries;

  constructor(
    readonly context: CheckContext,
    readonly rules: RetryRules,
  ) {
    this.recoveries = new Recoveries(context.states);
  }

  get blocks(): Block[] {
    return this.context.states.plan.blocks;
  }

  results(): Promise<CaseResult[]> {
    return Promise.all(this.#results.values());
  }

  evaluate(c: RetryCase): Promise<Finding | null> {
    const key = caseKey(c);
    let result = this.#results.get(key);
    if (!result) {
      result = c.family === 'ack-lost' ? this.#ackLost(c) : this.#transient(c);
      this.#results.set(key, result);
    }
    return result.then((r) => r.finding);
  }

  /** A reported case run again, to name the statement of the next run that wrote a data difference (not kept). */
  async attribute(c: RetryCase, finding: Finding): Promise<Finding> {
    if (!hasDataDifference(finding)) return finding;
    const again = await (c.family === 'ack-lost' ? this.#ackLost(c, true) : this.#transient(c, true));
    return again.finding ?? finding;
  }

  #base(c: RetryCase, trace: Trace): CaseReport {
    return caseReport(this.blocks, this.rules, c, trace);
  }

  /** Runs the set from the first faulted block on a copy of the state before it, under the policy. */
  async #run(c: RetryCase): Promise<{ db: DatabaseHandle; trace: Trace }> {
    const { states } = this.context;
    const from = Math.min(...c.faults.map((f) => f.block));
    const db = await states.copy(await states.before(from));
    // The policy explicitly, even none: for a tool without retries it is the supervisor's, which only this check runs.
    const trace = await states.run(db, { from, faults: c.faults.map(toFault), retry: this.rules.policy });
    return { db, trace };
  }

  /** `attribute`: see Recoveries.recover. */
  async #transient(c: RetryCase, attribute = false): Promise<CaseResult> {
    const { states } = this.context;
    const reproduce = this.context.reproduce('retry');
    const label = describe(this.blocks, c);
    const prediction = predict(this.blocks, this.rules, c.faults);
    const { db, trace } = await this.#run(c);
    try {
      const observed = observedUnits(trace, this.rules);
      const report: CaseReport = { ...this.#base(c, trace), expected: { ok: prediction.ok, units: prediction.units.map(unitReport) }, observed: { units: observed.map(unitReport) } };
      const first = c.faults[0]!;
      const at = statementAt(this.blocks[first.block]!, first.at);
      const scope = scopeOf(this.blocks, c);
      // What the cases of one cause share: what went wrong, without the case's label.
      const causeOf = (message: string, extra: Partial<Finding>): Cause => ({
        file: null,
        line: null,
        sqlstate: extra.sqlstate ?? null,
        message: extra.diff ? null : message,
        diff: extra.diff ? diffSignature(extra.diff) : null,
      });
      const caseOf = (message: string, extra: Partial<Finding> = {}): CaseResult => ({
        finding: {
          check: 'retry',
          file: at?.file ?? null,
          line: at?.line ?? null,
          column: at?.column ?? null,
          statement: at?.sql ?? null,
          sqlstate: null,
          message: `${label}: ${message}`,
          hint: null,
          diff: null,
          reproduce,
          case: report,
          scope,
          cause: causeOf(message, extra),
          ...extra,
        },
        report: { ...report, verdict: 'fail' },
      });

      if (trace.refusal) {
        // A tool that refuses every retry after any failure (a dirty version): what counts is whether the operator's recovery works.
        const operated = await this.recoveries.operate(db, trace, attribute);
        if (!operated) return caseOf(`the retry is refused: ${trace.refusal.message}`, { hint: trace.refusal.operatorAction });
        const finding = recoveryFinding('retry', { ...(at ? { statement: at } : {}), label, details: report, scope }, operated, reproduce);
        return { finding, report: { ...report, verdict: finding ? 'fail' : 'pass' } };
      }
      // A retry that failed on a statement's own error, whatever the faults predict: that error is what a
      // run again does (a supervisor's restart re-runs unrecorded work), and the tries after it say nothing more.
      const own = trace.failure && !trace.failure.error.message.includes(FAULT_MESSAGE) && (prediction.ok || !trace.failure.faulted);
      if (!trace.ok && trace.failure && own) {
        const failure = trace.failure;
        const s = failure.statement;
        const failed = `a retry failed${s ? ` at ${pathIn(s.file)}:${s.line}:${s.column}` : ''}: ${failure.error.message}`;
        const succeed = `every unit fails fewer times than its ${this.rules.tries} tries, so the run must succeed, but ${failed}`;
        const must = prediction.ok ? succeed : `the run must stop only when ${unitLabel(prediction.failing!)} has failed all its ${prediction.failing!.tries} tries, but ${failed}`;
        return caseOf(must, {
          ...(s ? { file: s.file, line: s.line, column: s.column, statement: s.sql } : {}),
          sqlstate: failure.error.sqlstate,
          // One cause with the cases that predicted success: the same statement failed the same way.
          cause: causeOf(succeed, { sqlstate: failure.error.sqlstate }),
          hint: retryHint(failure.block, failure.error.sqlstate, s, this.context.model.retry?.separate),
        });
      }
      if (prediction.ok && !trace.ok) {
        const failure = trace.failure;
        return caseOf(`every unit fails fewer times than its ${this.rules.tries} tries, so the run must succeed, and it failed (${failure?.error.sqlstate ?? '?'} ${failure?.error.message ?? ''}); tries: ${triesText(observed)}`);
      }
      if (!prediction.ok && trace.ok) {
        return caseOf(`${unitLabel(prediction.failing!)} fails ${prediction.failing!.tries} times, all its tries, so the run must fail, and it succeeded; tries: ${triesText(observed)}`);
      }
      if (!sameTries(prediction.units, observed)) {
        return caseOf(`the tries and waits differ from the policy (${this.rules.policy?.text ?? 'no retries'}): expected ${triesText(prediction.units)}; found ${triesText(observed)}`);
      }
      if (trace.ok) {
        const left = await compareStates(states, db, await states.fresh(), { relaxed: true, trackers: true });
        if (left.equal) {
          const failures = await states.verify(db);
          if (failures.length === 0) return { finding: null, report: { ...report, verdict: 'pass' } };
          const point: CasePoint = { ...(at ? { statement: at } : {}), label, details: report, scope };
          return { finding: unverifiedFinding('retry', point, failures, 'the retried run', reproduce), report: { ...report, verdict: 'fail' } };
        }
        const paths = left.diff.map((d) => d.path);
        return caseOf(`the run succeeded after its retries but left another state than a fresh run: ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` and ${paths.length - 3} more` : ''}`, {
          diff: left.diff,
          detail: relaxedNote(left.relaxed),
          hint: 'a retry ran again work that had already taken effect: keep each retried block in one transaction, or make its statements safe to run twice',
        });
      }
      // The run failed where the policy says: the state is what the model leaves at that failure.
      const failing = prediction.failing!;
      const block = this.blocks[failing.block]!;
      const durable = durablePrefix(block, failing.lastFailureAt ?? 0);
      const expected: State = await states.partial(failing.block, durable);
      const left = await compareStates(states, db, expected, { relaxed: true, trackers: false });
      if (left.equal) return { finding: null, report: { ...report, verdict: 'pass' } };
      const promise = durable === 0 ? 'the state from before the block' : `exactly the first ${durable} statement${durable === 1 ? '' : 's'} of the block`;
      return caseOf(`the run fails at ${unitLabel(failing)} as the policy says, and must leave ${promise}, but left another state`, {
        diff: left.diff,
        detail: relaxedNote(left.relaxed),
        hint: 'an explicit COMMIT or a statement that cannot run in a transaction breaks the block in two: give it a migration of its own',
      });
    } finally {
      await states.drop(db);
    }
  }

  /** `attribute`: see Recoveries.recover. */
  async #ackLost(c: RetryCase, attribute = false): Promise<CaseResult> {
    const { states } = this.context;
    const reproduce = this.context.reproduce('retry');
    const f = c.faults[0]!;
    const block = this.blocks[f.block]!;
    const statement = statementAt(block, f.at);
    const migration = block.migrations.find((m) => m.file === statement?.file) ?? block.migrations[0] ?? block.record;
    const label = `ack lost after ${where(block, f.at, true)}`;
    const point: CasePoint = { ...(statement ? { statement } : {}), ...(migration ? { migration } : {}), label, details: {}, scope: scopeOf(this.blocks, c) };
    const tracked = this.context.states.tracker !== undefined;
    const { db, trace } = await this.#run(c);
    try {
      const report = this.#base(c, trace);
      point.details = report;
      const result = (finding: Finding | null): CaseResult => ({ finding, report: { ...report, verdict: finding ? 'fail' : 'pass' } });
      const stopped = trace.failure?.ackLost === true && trace.failure.block.index === f.block;
      if (trace.refusal) return result(recoveryFinding('retry', point, (await this.recoveries.operate(db, trace, attribute)) ?? { kind: 'refused', ...trace.refusal }, reproduce));
      if (!trace.ok && stopped) {
        // The tool stopped at the lost connection (a tool that cannot retry on it; a tool without a
        // policy just exits): the work runs again in the next run, which must converge.
        point.label = `${label}, so the run stops there and the next run does the work again`;
        const left = await states.hash(db);
        const recovery = await this.recoveries.recover(db, left.key, { attribute });
        return result(ackHint(recoveryFinding('retry', point, recovery, reproduce), tracked));
      }
      point.label = `${label}, so the retry does the committed work again`;
      // The retry is part of this run: what a recovery finding says of the next run is said of it.
      point.run = 'the retried run';
      if (!trace.ok && trace.failure) {
        const recovery = { kind: 'failed' as const, error: trace.failure.error, ...(trace.failure.statement ? { statement: trace.failure.statement } : {}) };
        return result(ackHint(recoveryFinding('retry', point, recovery, reproduce), tracked));
      }
      const left = await compareStates(states, db, await states.fresh(), { relaxed: true, trackers: true });
      if (left.equal) {
        const failures = await states.verify(db);
        return result(failures.length === 0 ? null : unverifiedFinding('retry', point, failures, point.run, reproduce));
      }
      const relaxed = relaxedNote(left.relaxed);
      const diverged = { kind: 'diverged' as const, diff: left.diff, ...(relaxed ? { relaxed } : {}) };
      return result(ackHint(recoveryFinding('retry', point, diverged, reproduce), tracked));
    } finally {
      await states.drop(db);
    }
  }
}
