import fc from 'fast-check';
import type { Statement } from '../migrations/types.js';
import type { DatabaseHandle } from '../postgres/types.js';
import { CONNECTION_LOST, FAULT_MESSAGE } from '../faults/inject.js';
import type { Fault } from '../faults/types.js';
import { triesOf, waitsOf, type RetryPolicy } from '../runners/retry.js';
import { isCommit } from '../migrations/transactions.js';
import type { Block, BlockTrace, RunnerModel, Trace } from '../runners/types.js';
import { compareStates, relaxedNote } from './compare.js';
import { explore } from './explore.js';
import { durablePrefix } from '../migrations/transactions.js';
import { displayPath } from './findings.js';
import { hintFor } from './hints.js';
import { hasDataDifference, Recoveries, recoveryFinding, type CasePoint } from './recovery.js';
import type { State } from './states.js';
import type { Check, CheckContext, CheckOutcome, Finding } from './types.js';
import { appliedSet } from './applies.js';

/*
 * Check `retry`: transient faults n times at chosen boundaries under the retry policy, and
 * ack-lost faults (the work commits, the client sees a lost connection). What a try covers and
 * when the counter starts over is the runner model's (RunnerModel.retry, else a supervisor that
 * runs the tool again: src/runners/sequence.ts); this check predicts the tries, the waits and
 * the outcome of each case from the plan and the policy alone, and compares them with the run's
 * trace on a virtual clock.
 */

/** A transient fault: a serialization failure, a deadlock, or a lost connection. */
export const TRANSIENT = ['40001', '40P01', 'lost'] as const;
export type TransientKind = (typeof TRANSIENT)[number];

export interface PlannedFault {
  block: number;
  /** The boundary: before statement `at` (= the block's length: after the last). For ack-lost: the statement whose answer is lost (= length: the COMMIT). */
  at: number;
  kind: TransientKind | 'ack-lost';
  /** How many times it fires. */
  times: number;
}

/**
 * - `schedule`: transient faults, sampled (or every single one with --exhaustive);
 * - `reset`: two consecutive retry units that each fail tries - 1 times: both must get through;
 * - `exhaust`: one unit that fails as many times as it has tries: the run fails there;
 * - `ack-lost`: one commit whose answer is lost.
 */
export interface RetryCase {
  family: 'schedule' | 'reset' | 'exhaust' | 'ack-lost';
  faults: PlannedFault[];
}

/** How the model retries, as this check predicts it. */
export interface RetryRules {
  tries: number;
  policy: RetryPolicy | undefined;
  /** Whether a no-txn block is retried from the statement that failed rather than whole. */
  noTxnByStatement: boolean;
  /** Whether a lost connection ends the run rather than being retried. */
  lostEndsRun: boolean;
  /** Whether the retry happens inside the run (the tool's own) or as a new run of the tool (a supervisor). */
  inProcess: boolean;
}

export function rulesOf(model: RunnerModel, policy: RetryPolicy | undefined): RetryRules {
  const own = model.retry;
  return {
    tries: triesOf(policy),
    policy,
    noTxnByStatement: own?.noTxnByStatement ?? false,
    lostEndsRun: own?.lostConnectionEndsRun ?? false,
    inProcess: own !== undefined,
  };
}

/** The retry unit of a boundary: the block, or (retried by statement) the statement the tries resume at. */
export function unitOf(block: Block, at: number, rules: RetryRules): number | undefined {
  return rules.noTxnByStatement && block.rule === 'no-txn' ? durablePrefix(block, at) : undefined;
}

/** The tries one retry unit takes, as the policy says. */
export interface UnitTries {
  block: number;
  /** For a statement unit: the statement the tries resume at. */
  statement?: number;
  tries: number;
  waitsMs: number[];
  ok: boolean;
  /** The boundary of the fault that made the last failed try fail. */
  lastFailureAt?: number;
  lastFailureKind?: PlannedFault['kind'];
}

export interface Prediction {
  ok: boolean;
  /** Every unit with at least one failed try, in the order the run meets them. */
  units: UnitTries[];
  /** The unit the run stops at, when it fails. */
  failing?: UnitTries;
}

/**
 * What a run with these transient faults must do. Every try of a unit fails at the first of its
 * faults that still has firings left and uses one of them, so a unit fails as many times as its
 * faults fire in all (or until a lost connection ends the run, where the model says so); it gets
 * through iff that is fewer than its tries. The run stops at the first unit that does not.
 */
export function predict(blocks: Block[], rules: RetryRules, faults: PlannedFault[]): Prediction {
  const units = new Map<string, { block: number; statement?: number; faults: PlannedFault[] }>();
  for (const f of [...faults].sort((a, b) => a.block - b.block || a.at - b.at)) {
    const statement = unitOf(blocks[f.block]!, f.at, rules);
    const key = `${f.block}:${statement ?? 'block'}`;
    let unit = units.get(key);
    if (!unit) units.set(key, (unit = { block: f.block, ...(statement !== undefined ? { statement } : {}), faults: [] }));
    unit.faults.push(f);
  }
  const ordered = [...units.values()].sort((a, b) => a.block - b.block || (a.statement ?? -1) - (b.statement ?? -1));
  const out: UnitTries[] = [];
  for (const unit of ordered) {
    const left = unit.faults.map((f) => f.times);
    let failures = 0;
    let last: PlannedFault | undefined;
    let ended = false;
    for (;;) {
      const i = left.findIndex((n) => n > 0);
      if (i < 0) break;
      left[i]!--;
      failures++;
      last = unit.faults[i]!;
      if ((last.kind === 'lost' && rules.lostEndsRun) || failures >= rules.tries) {
        ended = true;
        break;
      }
    }
    const tries: UnitTries = {
      block: unit.block,
      ...(unit.statement !== undefined ? { statement: unit.statement } : {}),
      tries: ended ? failures : failures + 1,
      waitsMs: waitsOf(rules.policy, ended ? failures - 1 : failures),
      ok: !ended,
      ...(last ? { lastFailureAt: last.at, lastFailureKind: last.kind } : {}),
    };
    if (failures > 0) out.push(tries);
    if (ended) return { ok: false, units: out, failing: tries };
  }
  return { ok: true, units: out };
}

/** The tries a run's trace shows for every unit with a failed try, in the shape of a prediction. */
export function observedUnits(trace: Trace, rules: RetryRules): UnitTries[] {
  const out: UnitTries[] = [];
  for (const b of trace.blocks) {
    if (rules.noTxnByStatement && b.block.rule === 'no-txn') {
      for (const s of b.statementTries ?? []) {
        out.push({ block: b.block.index, statement: s.statement, tries: s.tries, waitsMs: s.waitsMs, ok: s.errors.length < s.tries });
      }
    } else if ((b.tryErrors ?? []).length > 0 || (b.error && !b.tryErrors)) {
      const errors = b.tryErrors?.length ?? 1;
      const tries = b.tries ?? 1;
      out.push({ block: b.block.index, tries, waitsMs: b.waitsMs ?? [], ok: errors < tries });
    }
  }
  return out;
}

function sameTries(expected: UnitTries[], found: UnitTries[]): boolean {
  const key = (u: UnitTries): string => JSON.stringify([u.block, u.statement ?? null, u.tries, u.waitsMs]);
  return expected.length === found.length && expected.every((u, i) => key(u) === key(found[i]!));
}

// ---------------------------------------------------------------------------------------------
// Cases

/** The boundaries a unit's own fault sits at: the first of the block, or the statement's own. */
interface UnitStart {
  block: number;
  at: number;
}

/** Every retry unit of the plan in run order, each with the boundary that fails it at once. */
function unitStarts(blocks: Block[], rules: RetryRules): UnitStart[] {
  return blocks.flatMap((block) => {
    if (!(rules.noTxnByStatement && block.rule === 'no-txn')) return [{ block: block.index, at: 0 }];
    return block.statements.flatMap((_, at) => (durablePrefix(block, at) === at ? [{ block: block.index, at }] : []));
  });
}

/** Where an ack can be lost: the COMMIT of a transaction (in-txn, a script's implicit one), or an autocommitted statement. */
export function ackPoints(blocks: Block[]): UnitStart[] {
  return blocks.flatMap((block) => {
    const n = block.statements.length;
    if (n === 0) return [];
    if (block.rule !== 'no-txn') return [{ block: block.index, at: n }];
    return block.statements.flatMap((_, at) => (durablePrefix(block, at + 1) === at + 1 ? [{ block: block.index, at }] : []));
  });
}

/** The cases run every time: the counter resets between units, a unit runs out of tries, every lost ack. */
export function designedCases(blocks: Block[], rules: RetryRules): RetryCase[] {
  const starts = unitStarts(blocks, rules);
  const cases: RetryCase[] = [];
  if (rules.tries >= 2) {
    for (let i = 0; i + 1 < starts.length; i++) {
      const [a, b] = [starts[i]!, starts[i + 1]!];
      cases.push({ family: 'reset', faults: [a, b].map((s) => ({ ...s, kind: '40001' as const, times: rules.tries - 1 })) });
    }
  }
  for (const s of starts) cases.push({ family: 'exhaust', faults: [{ ...s, kind: '40001', times: rules.tries }] });
  for (const p of ackPoints(blocks)) cases.push({ family: 'ack-lost', faults: [{ ...p, kind: 'ack-lost', times: 1 }] });
  return cases;
}

/** Every single transient fault: each boundary, kind and count up to the tries (--exhaustive). */
export function singleFaults(blocks: Block[], rules: RetryRules): RetryCase[] {
  return blocks.flatMap((block) =>
    Array.from({ length: block.statements.length + 1 }, (_, at) =>
      TRANSIENT.flatMap((kind) =>
        Array.from({ length: rules.tries }, (_, n): RetryCase => ({ family: 'schedule', faults: [{ block: block.index, at, kind, times: n + 1 }] })),
      ),
    ).flat(),
  );
}

/**
 * One to three transient faults at distinct boundaries, each firing 1 to `tries` times. Each of
 * three slots may hold a fault or none, so that shrinking drops any one of them on its own (an
 * array only shrinks from one end); a boundary is a position in the list of every boundary of the
 * plan, drawn evenly (not biased to the first blocks), and shrinks towards the first block's first
 * boundary; then 40001, then one firing.
 */
export function scheduleArbitrary(blocks: Block[], rules: RetryRules): fc.Arbitrary<RetryCase> {
  const points = blocks.flatMap((block) => Array.from({ length: block.statements.length + 1 }, (_, at) => ({ block: block.index, at })));
  const fault = fc.record({
    point: fc.noBias(fc.nat(points.length - 1)),
    kind: fc.constantFrom(...TRANSIENT),
    times: fc.integer({ min: 1, max: rules.tries }),
  });
  const slot = fc.option(fault, { nil: null });
  return fc
    .tuple(slot, slot, slot)
    .filter((slots) => slots.some((f) => f !== null))
    .map((slots) => {
      const seen = new Set<number>();
      const faults = slots.flatMap((f) => (f === null || seen.has(f.point) ? [] : (seen.add(f.point), [{ ...points[f.point]!, kind: f.kind, times: f.times }])));
      return { family: 'schedule' as const, faults: faults.sort((a, b) => a.block - b.block || a.at - b.at) };
    });
}

export function caseKey(c: RetryCase): string {
  return `${c.family}:${c.faults.map((f) => `${f.block}.${f.at}.${f.kind}x${f.times}`).join(',')}`;
}

export function toFault(f: PlannedFault): Fault {
  if (f.kind === 'ack-lost') return { kind: 'ack-lost', block: f.block, at: f.at, times: f.times };
  return { kind: 'transient', block: f.block, at: f.at, times: f.times, sqlstate: f.kind === 'lost' ? CONNECTION_LOST : f.kind };
}

// ---------------------------------------------------------------------------------------------
// Describing cases

function where(block: Block, at: number, ack: boolean): string {
  const n = block.statements.length;
  if (ack && at >= n) return block.rule === 'script' ? `the implicit COMMIT at the end of block ${block.index + 1} (script)` : `the COMMIT of block ${block.index + 1} (${block.rule})`;
  if (ack) return `statement ${at + 1} of block ${block.index + 1} (${block.rule})`;
  return at < n ? `before statement ${at + 1} of block ${block.index + 1} (${block.rule})` : `after the last statement of block ${block.index + 1} (${block.rule})`;
}

function kindLabel(kind: PlannedFault['kind']): string {
  return kind === 'lost' ? 'lost connection' : kind === 'ack-lost' ? 'ack lost' : kind;
}

function describe(blocks: Block[], c: RetryCase): string {
  return c.faults
    .map((f) => `${kindLabel(f.kind)}${f.kind === 'ack-lost' ? '' : ` ×${f.times}`} ${where(blocks[f.block]!, f.at, f.kind === 'ack-lost')}`)
    .join(', ');
}

/** The statement a fault is about: the one it precedes (or whose answer it takes), else the block's last. */
function statementAt(block: Block, at: number): Statement | undefined {
  return block.statements[at] ?? block.statements[block.statements.length - 1];
}

function migrationOf(block: Block, statement: Statement | undefined): string | undefined {
  return (statement ? block.migrations.find((m) => m.file === statement.file) : block.migrations[0])?.name;
}

function unitLabel(u: Pick<UnitTries, 'block' | 'statement'>): string {
  return u.statement === undefined ? `block ${u.block + 1}` : `statement ${u.statement + 1} of block ${u.block + 1}`;
}

function triesText(units: UnitTries[]): string {
  if (units.length === 0) return 'no retries';
  return units.map((u) => `${unitLabel(u)}: ${u.tries} ${u.tries === 1 ? 'try' : 'tries'}${u.waitsMs.length ? `, waits ${u.waitsMs.join(', ')} ms` : ''}`).join('; ');
}

/** The tries and waits of every block a run reached, for JSON output. */
export function blockReport(trace: Trace): Record<string, unknown>[] {
  return trace.blocks.map((b: BlockTrace) => ({
    block: b.block.index,
    rule: b.block.rule,
    migrations: b.block.migrations.map((m) => m.name),
    ok: !b.error,
    tries: b.tries ?? 1,
    waitsMs: b.waitsMs ?? [],
    ...(b.statementTries && b.statementTries.length > 0
      ? {
          statements: b.statementTries.map((s) => {
            const statement = b.block.statements[s.statement];
            return {
              statement: s.statement,
              ...(statement ? { file: displayPath(statement.file), line: statement.line } : {}),
              tries: s.tries,
              waitsMs: s.waitsMs,
              errors: s.errors,
            };
          }),
        }
      : {}),
  }));
}

// ---------------------------------------------------------------------------------------------
// Evaluating cases

interface CaseResult {
  finding: Finding | null;
  report: Record<string, unknown>;
}

class RetryCases {
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

  #base(c: RetryCase, trace: Trace): Record<string, unknown> {
    return {
      family: c.family,
      policy: this.rules.policy?.text ?? null,
      tries: this.rules.tries,
      faults: c.faults.map((f) => {
        const block = this.blocks[f.block]!;
        const statement = statementAt(block, f.at);
        return {
          fault: f.kind,
          ...(f.kind !== 'ack-lost' ? { sqlstate: f.kind === 'lost' ? CONNECTION_LOST : f.kind, times: f.times } : {}),
          block: f.block,
          at: f.at,
          rule: block.rule,
          migration: migrationOf(block, statement) ?? null,
          ...(statement ? { file: displayPath(statement.file), line: statement.line } : {}),
        };
      }),
      ok: trace.ok,
      blocks: blockReport(trace),
    };
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
      const report = { ...this.#base(c, trace), expected: { ok: prediction.ok, units: prediction.units.map(unitReport) }, observed: { units: observed.map(unitReport) } };
      const first = c.faults[0]!;
      const at = statementAt(this.blocks[first.block]!, first.at);
      const caseOf = (message: string, extra: Partial<Finding> = {}): CaseResult => ({
        finding: {
          check: 'retry',
          file: at ? displayPath(at.file) : null,
          line: at?.line ?? null,
          column: at?.column ?? null,
          statement: at?.sql ?? null,
          sqlstate: null,
          message: `${label}: ${message}`,
          hint: null,
          diff: null,
          reproduce,
          case: report,
          ...extra,
        },
        report: { ...report, verdict: 'fail' },
      });

      if (trace.refusal) {
        // A tool that refuses every retry after any failure (a dirty version): what counts is whether the operator's recovery works.
        const operated = await this.recoveries.operate(db, trace, attribute);
        if (!operated) return caseOf(`the retry is refused: ${trace.refusal.message}`, { hint: trace.refusal.operatorAction });
        const finding = recoveryFinding('retry', { ...(at ? { statement: at } : {}), label, details: report }, operated, reproduce);
        return { finding, report: { ...report, verdict: finding ? 'fail' : 'pass' } };
      }
      if (prediction.ok && !trace.ok) {
        const failure = trace.failure;
        const injected = failure?.error.message.includes(FAULT_MESSAGE) ?? false;
        if (failure && !injected) {
          const s = failure.statement;
          return caseOf(
            `every unit fails fewer times than its ${this.rules.tries} tries, so the run must succeed, but a retry failed${s ? ` at ${displayPath(s.file)}:${s.line}:${s.column}` : ''}: ${failure.error.message}`,
            {
              ...(s ? { file: displayPath(s.file), line: s.line, column: s.column, statement: s.sql } : {}),
              sqlstate: failure.error.sqlstate,
              hint: retryHint(failure.block, failure.error.sqlstate, s, this.context.model.retry?.separate),
            },
          );
        }
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
        if (left.equal) return { finding: null, report: { ...report, verdict: 'pass' } };
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
    const migration = block.migrations.find((m) => m.file === statement?.file) ?? block.migrations[0];
    const label = `ack lost after ${where(block, f.at, true)}`;
    const point: CasePoint = { ...(statement ? { statement } : {}), ...(migration ? { migration } : {}), label, details: {} };
    const tracked = this.context.model.tracker !== undefined;
    const { db, trace } = await this.#run(c);
    try {
      const report = this.#base(c, trace);
      point.details = report;
      const result = (finding: Finding | null): CaseResult => ({ finding, report: { ...report, verdict: finding ? 'fail' : 'pass' } });
      const stopped = trace.failure?.error.message.includes('(ack lost)') === true && trace.failure.block.index === f.block;
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
      // The retry is part of this run: what recoveryFinding says of "the next run" is said of it.
      const ofRetry = (finding: Finding | null): Finding | null =>
        finding && { ...finding, message: finding.message.replace(`${point.label}: the next run`, `${point.label}: the retried run`) };
      if (!trace.ok && trace.failure) {
        const recovery = { kind: 'failed' as const, error: trace.failure.error, ...(trace.failure.statement ? { statement: trace.failure.statement } : {}) };
        return result(ackHint(ofRetry(recoveryFinding('retry', point, recovery, reproduce)), tracked));
      }
      const left = await compareStates(states, db, await states.fresh(), { relaxed: true, trackers: true });
      if (left.equal) return result(null);
      const relaxed = relaxedNote(left.relaxed);
      const diverged = { kind: 'diverged' as const, diff: left.diff, ...(relaxed ? { relaxed } : {}) };
      return result(ackHint(ofRetry(recoveryFinding('retry', point, diverged, reproduce)), tracked));
    } finally {
      await states.drop(db);
    }
  }
}

/** What to do about work that runs again after its commit's answer was lost. */
function ackHint(finding: Finding | null, tracked: boolean): Finding | null {
  if (!finding) return null;
  const atomic = tracked
    ? 'or make the migration in-txn so that the tool records it in the transaction that does the work'
    : 'the tool keeps no record, so every run does every migration again: each must be safe to run twice';
  const grew = (finding.diff ?? []).some((d) => {
    const before = d.expected as { rows?: number } | undefined;
    const after = d.found as { rows?: number } | undefined;
    return d.path.startsWith('data:') && (after?.rows ?? 0) > (before?.rows ?? 0);
  });
  const hint = grew
    ? `the rows were inserted again: add ON CONFLICT … DO NOTHING on a unique key (or INSERT … SELECT … WHERE NOT EXISTS); ${atomic}`
    : (finding.hint ?? `make each statement safe to run again on what it already did; ${atomic}`);
  return { ...finding, hint };
}

/** What to do about a retry that fails on work an earlier try had made durable. */
function retryHint(block: Block, sqlstate: string, statement: Statement | undefined, separate = 'give it a migration of its own'): string {
  const commit = block.rule === 'in-txn' ? block.statements.find(isCommit) : undefined;
  if (commit) {
    return (
      `the block's own COMMIT at ${displayPath(commit.file)}:${commit.line} makes the work before it durable, and a retry of the whole block runs that work again: ` +
      `${separate}, or make it safe to run twice (ADD VALUE IF NOT EXISTS)`
    );
  }
  return (
    hintFor(sqlstate, statement) ??
    'a retry runs again what an earlier try had made durable (work outside a transaction, or before a COMMIT of its own): keep each retried block in one transaction, or make that work safe to run twice'
  );
}

function unitReport(u: UnitTries): Record<string, unknown> {
  return { block: u.block, ...(u.statement !== undefined ? { statement: u.statement } : {}), tries: u.tries, waitsMs: u.waitsMs, ok: u.ok };
}

/** One finding per migration whose lost ack is unsafe: the first such point, the others counted. */
function perMigration(findings: Finding[]): Finding[] {
  const byMigration = new Map<string, Finding[]>();
  for (const f of findings) {
    const faults = (f.case?.faults ?? []) as { migration?: string | null }[];
    const name = faults[0]?.migration ?? f.file ?? '';
    byMigration.set(name, [...(byMigration.get(name) ?? []), f]);
  }
  return [...byMigration.values()].map((list) => {
    const first = list[0]!;
    if (list.length === 1) return first;
    return { ...first, message: `${first.message} (and ${list.length - 1} more lost ack${list.length === 2 ? '' : 's'} in this migration)` };
  });
}

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
    const ack = fixed.findings.filter((f) => (f.case as { family?: string } | undefined)?.family === 'ack-lost');
    const outcome = merge(sampled, { ...fixed, findings: [...fixed.findings.filter((f) => !ack.includes(f)), ...perMigration(ack)] });

    const results = await cases.results();
    const ackLost = new Map<string, { migration: string; file: string | null; safe: boolean; points: number }>();
    for (const r of results) {
      if (r.report.family !== 'ack-lost') continue;
      const fault = (r.report.faults as { migration: string | null; file?: string }[])[0];
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
        cases: results.map((r) => r.report).sort((a, b) => String(a.family).localeCompare(String(b.family))),
      },
    };
  },
};
