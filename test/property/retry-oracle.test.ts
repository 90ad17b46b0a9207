import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// The oracle's imports, in one place: src/checks/retry.ts is being split into oracle, cases and evaluation.
import { caseKey, designedCases, observedUnits, predict, unitOf, type PlannedFault, type RetryRules, type UnitTries } from '../../src/checks/retry.js';
import { durablePrefix } from '../../src/checks/fault.js';
import { parseRetryPolicy, waitBefore, waitsOf } from '../../src/runners/retry.js';
import type { Block, BlockTrace, Trace, TxnRule } from '../../src/runners/types.js';
import { blockOf, type TransactionKind } from './sql.js';

/*
 * The retry oracle predicts, from the plan and the policy alone, what a run with transient faults
 * must do: how many tries each retry unit takes, the waits between them, and whether the run gets
 * through. These laws state what that prediction is, independently of how `predict` computes it.
 */

type Transaction = TransactionKind;


const blocksArbitrary: fc.Arbitrary<Block[]> = fc
  .array(
    fc.tuple(
      fc.constantFrom<TxnRule>('in-txn', 'no-txn', 'script'),
      fc.array(fc.constantFrom<Transaction>(undefined, undefined, undefined, 'BEGIN', 'START', 'COMMIT', 'ROLLBACK'), { maxLength: 6 }),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((specs) => specs.map(([rule, kinds], i) => blockOf(i, rule, kinds)));

/** How a model retries: its own retries (always with a policy: the tool's default at least) or a supervisor's. */
const rulesArbitrary: fc.Arbitrary<RetryRules> = fc
  .record({
    retries: fc.integer({ min: 0, max: 3 }),
    backoff: fc.constantFrom('constant', 'exponential'),
    ms: fc.integer({ min: 1, max: 3000 }),
    own: fc.boolean(),
    byStatement: fc.boolean(),
    lostEnds: fc.boolean(),
    policy: fc.boolean(),
  })
  .map(({ retries, backoff, ms, own, byStatement, lostEnds, policy }) => {
    const given = own || policy ? parseRetryPolicy(`max ${retries} backoff ${backoff} ${ms}ms`) : undefined;
    return {
      tries: (given?.maxRetries ?? 0) + 1,
      policy: given,
      noTxnByStatement: own && byStatement,
      lostEndsRun: own && lostEnds,
      inProcess: own,
    };
  });

/** Transient faults at distinct boundaries of the plan, each firing 1 to tries + 1 times. */
function faultsArbitrary(blocks: Block[], rules: RetryRules): fc.Arbitrary<PlannedFault[]> {
  const points = blocks.flatMap((b) => Array.from({ length: b.statements.length + 1 }, (_, at) => ({ block: b.index, at })));
  return fc.uniqueArray(
    fc.record({ point: fc.nat(points.length - 1), kind: fc.constantFrom('40001', '40P01', 'lost') as fc.Arbitrary<PlannedFault['kind']>, times: fc.integer({ min: 1, max: rules.tries + 1 }) }),
    { selector: (f) => f.point, maxLength: 4 },
  ).map((faults) => faults.map((f) => ({ ...points[f.point]!, kind: f.kind, times: f.times })));
}

const scenario = fc
  .tuple(blocksArbitrary, rulesArbitrary)
  .chain(([blocks, rules]) => faultsArbitrary(blocks, rules).map((faults) => ({ blocks, rules, faults })));

const unitKey = (block: number, statement: number | undefined): string => `${block}:${statement ?? '-'}`;

/**
 * What a unit must do, read off its faults: every try fails at the first boundary still armed, so
 * the failures come in boundary order, each fault `times` in a row. The unit gives up at the
 * failure that uses its last try, or at a lost connection that ends the run.
 */
function expectedUnit(faults: PlannedFault[], rules: RetryRules): { failures: number; ok: boolean; last: PlannedFault } {
  const failures = [...faults].sort((a, b) => a.at - b.at).flatMap((f) => Array.from({ length: f.times }, () => f));
  const end = failures.findIndex((f, i) => (f.kind === 'lost' && rules.lostEndsRun) || i + 1 >= rules.tries);
  return end < 0 ? { failures: failures.length, ok: true, last: failures[failures.length - 1]! } : { failures: end + 1, ok: false, last: failures[end]! };
}

describe('the retry oracle: predict', () => {
  it('a run gets through iff every unit fails fewer times than its tries (and meets no lost connection that ends the run); each unit takes its failures plus one tries, waiting as the policy says', () => {
    fc.assert(
      fc.property(scenario, ({ blocks, rules, faults }) => {
        const units = new Map<string, PlannedFault[]>();
        for (const f of faults) {
          const key = unitKey(f.block, unitOf(blocks[f.block]!, f.at, rules));
          units.set(key, [...(units.get(key) ?? []), f]);
        }
        const inRunOrder = [...units.entries()].sort(([, [a]], [, [b]]) => a!.block - b!.block || (unitOf(blocks[a!.block]!, a!.at, rules) ?? -1) - (unitOf(blocks[b!.block]!, b!.at, rules) ?? -1));
        const prediction = predict(blocks, rules, faults);
        const expected: Omit<UnitTries, 'lastFailureKind'>[] = [];
        for (const [key, unitFaults] of inRunOrder) {
          const u = expectedUnit(unitFaults, rules);
          const statement = unitOf(blocks[unitFaults[0]!.block]!, unitFaults[0]!.at, rules);
          expect(key).toBe(unitKey(unitFaults[0]!.block, statement));
          expected.push({
            block: unitFaults[0]!.block,
            ...(statement !== undefined ? { statement } : {}),
            tries: u.ok ? u.failures + 1 : u.failures,
            waitsMs: waitsOf(rules.policy, u.ok ? u.failures : u.failures - 1),
            ok: u.ok,
            lastFailureAt: u.last.at,
          });
          if (!u.ok) break; // the run stops at the first unit that gives up: later units are never reached
        }
        expect(prediction.units.map(({ lastFailureKind: _, ...u }) => u)).toEqual(expected);
        expect(prediction.ok).toBe(expected.every((u) => u.ok));
        expect(prediction.failing).toEqual(prediction.ok ? undefined : prediction.units[prediction.units.length - 1]);
        for (const u of prediction.units) {
          expect(u.tries).toBeLessThanOrEqual(rules.tries);
          expect(u.waitsMs).toEqual(u.waitsMs.map((_, k) => waitBefore(rules.policy, k + 1)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on the order the faults are listed in', () => {
    fc.assert(
      fc.property(
        scenario.chain((s) => fc.shuffledSubarray(s.faults, { minLength: s.faults.length, maxLength: s.faults.length }).map((shuffled) => ({ ...s, shuffled }))),
        ({ blocks, rules, faults, shuffled }) => {
          expect(predict(blocks, rules, shuffled)).toEqual(predict(blocks, rules, faults));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('one more firing of a fault never turns a failing run into one that gets through', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), ({ blocks, rules, faults }, i) => {
        if (faults.length === 0) return;
        const more = faults.map((f, j) => (j === i % faults.length ? { ...f, times: f.times + 1 } : f));
        if (!predict(blocks, rules, faults).ok) expect(predict(blocks, rules, more).ok).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('a retry unit is the whole block, or (retried by statement) the statement the tries resume at: the durable prefix', () => {
    fc.assert(
      fc.property(blocksArbitrary, rulesArbitrary, (blocks, rules) => {
        for (const b of blocks) {
          for (let at = 0; at <= b.statements.length; at++) {
            const unit = unitOf(b, at, rules);
            if (rules.noTxnByStatement && b.rule === 'no-txn') {
              expect(unit).toBe(durablePrefix(b, at));
              expect(unit).toBeLessThanOrEqual(at);
            } else expect(unit).toBeUndefined();
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('waits follow the policy: the same each time (constant), doubling (exponential), as many as the retries allow', () => {
    fc.assert(
      fc.property(rulesArbitrary, fc.integer({ min: 0, max: 6 }), ({ policy }, failures) => {
        const waits = waitsOf(policy, failures);
        expect(waits.length).toBe(Math.min(failures, policy?.maxRetries ?? 0));
        waits.forEach((w, k) => {
          expect(Number.isInteger(w) && w >= 0).toBe(true);
          if (k === 0) return;
          if (policy!.backoff === 'constant') expect(w).toBe(waits[0]);
          else expect(Math.abs(w - 2 * waits[k - 1]!)).toBeLessThanOrEqual(2);
        });
      }),
      { numRuns: 150 },
    );
  });
});

/**
 * The trace a run that behaved exactly as predicted leaves, recorded the way the executors record
 * tries: by statement in a by-statement no-txn block, else per block (by a supervisor without a
 * policy: no tries at all, only the block's error).
 */
function traceOf(blocks: Block[], rules: RetryRules, units: UnitTries[]): Trace {
  const reached = blocks.filter((b) => b.index <= (units.find((u) => !u.ok)?.block ?? Infinity));
  const traces: BlockTrace[] = reached.map((block) => {
    const own = units.filter((u) => u.block === block.index);
    const failed = own.find((u) => !u.ok);
    const base: BlockTrace = { block, outcomes: [], durable: 0, ...(failed ? { error: { sqlstate: '40001', message: 'injected' } } : {}) };
    if (!rules.policy) return base;
    const errorsOf = (u: UnitTries): string[] => Array.from({ length: u.ok ? u.tries - 1 : u.tries }, () => '40001');
    if (rules.noTxnByStatement && block.rule === 'no-txn') {
      return { ...base, statementTries: own.map((u) => ({ statement: u.statement!, tries: u.tries, waitsMs: u.waitsMs, errors: errorsOf(u) })) };
    }
    const u = own[0];
    return { ...base, tries: u?.tries ?? 1, waitsMs: u?.waitsMs ?? [], tryErrors: u ? errorsOf(u) : [] };
  });
  return { blocks: traces, ok: units.every((u) => u.ok) };
}

describe('the retry oracle: observedUnits', () => {
  it('reads back from a trace exactly the units, tries, waits and outcome of the run the prediction describes', () => {
    fc.assert(
      fc.property(scenario, ({ blocks, rules, faults }) => {
        const prediction = predict(blocks, rules, faults);
        const observed = observedUnits(traceOf(blocks, rules, prediction.units), rules);
        const strip = ({ lastFailureAt: _a, lastFailureKind: _k, ...u }: UnitTries): UnitTries => u;
        expect(observed.map(strip)).toEqual(prediction.units.map(strip));
      }),
      { numRuns: 200 },
    );
  });
});

describe('the retry oracle: designedCases', () => {
  it('every unit once runs out of tries there; consecutive units each failing all but one try both get through; every commit loses its ack once', () => {
    fc.assert(
      fc.property(blocksArbitrary, rulesArbitrary, (blocks, rules) => {
        const cases = designedCases(blocks, rules);
        expect(new Set(cases.map(caseKey)).size).toBe(cases.length);

        // Every unit a fault before a statement (or in an empty block) falls in is exhausted exactly once.
        const units = new Set(blocks.flatMap((b) => Array.from({ length: rules.noTxnByStatement && b.rule === 'no-txn' ? b.statements.length : Math.max(1, b.statements.length) }, (_, at) => unitKey(b.index, unitOf(b, at, rules)))));
        const exhaust = cases.filter((c) => c.family === 'exhaust');
        expect(exhaust.map((c) => unitKey(c.faults[0]!.block, unitOf(blocks[c.faults[0]!.block]!, c.faults[0]!.at, rules))).sort()).toEqual([...units].sort());
        for (const c of exhaust) {
          const p = predict(blocks, rules, c.faults);
          expect(p.ok).toBe(false);
          expect(p.units).toHaveLength(1);
          expect(p.failing?.tries).toBe(rules.tries);
        }

        const reset = cases.filter((c) => c.family === 'reset');
        expect(reset).toHaveLength(rules.tries >= 2 ? Math.max(0, units.size - 1) : 0);
        for (const c of reset) {
          const p = predict(blocks, rules, c.faults);
          expect(p.ok).toBe(true);
          expect(p.units.map((u) => u.tries)).toEqual([rules.tries, rules.tries]);
        }

        // A lost ack where work commits: a transaction's COMMIT, or an autocommitted statement outside an explicit transaction.
        const acks = cases.filter((c) => c.family === 'ack-lost').map((c) => c.faults[0]!);
        const commits = blocks.flatMap((b) =>
          b.statements.length === 0
            ? []
            : b.rule !== 'no-txn'
              ? [{ block: b.index, at: b.statements.length }]
              : b.statements.flatMap((_, at) => (durablePrefix(b, at + 1) === at + 1 ? [{ block: b.index, at }] : [])),
        );
        expect(acks.map((f) => ({ block: f.block, at: f.at }))).toEqual(commits);
        expect(acks.every((f) => f.kind === 'ack-lost' && f.times === 1)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
