import fc from 'fast-check';
import { CONNECTION_LOST } from '../../faults/inject.js';
import type { Fault } from '../../faults/types.js';
import { durablePrefix } from '../../migrations/transactions.js';
import { triesOf, waitsOf, type RetryPolicy } from '../../runners/retry.js';
import type { Block, RunnerModel, Trace } from '../../runners/types.js';

/*
 * Check `retry`: transient faults n times at chosen boundaries under the retry policy, and
 * ack-lost faults (the work commits, the client sees a lost connection). What a try covers and
 * when the counter starts over is the runner model's (RunnerModel.retry, else a supervisor that
 * runs the tool again: src/runners/sequence.ts); this check predicts the tries, the waits and
 * the outcome of each case from the plan and the policy alone, and compares them with the run's
 * trace on a virtual clock. This module is the oracle: pure, from the plan and the policy alone.
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

export function sameTries(expected: UnitTries[], found: UnitTries[]): boolean {
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

