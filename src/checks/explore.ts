import fc from 'fast-check';
import type { CheckContext, CheckName, CheckOutcome, Finding } from './types.js';

/** Cases explored at once with --exhaustive: each has its own database, and the server has room. */
const CONCURRENCY = 4;
const DEFAULT_RUNS = 25;

export interface CaseSpace<C> {
  check: CheckName;
  /** Every case, for --exhaustive. */
  all: C[];
  /** The same cases as an arbitrary that shrinks towards the simplest one, for sampling. */
  arbitrary: fc.Arbitrary<C>;
  /** A stable key: equal keys are the same case. */
  key(c: C): string;
  /** Runs one case: a finding, or null when the property holds. */
  evaluate(c: C): Promise<Finding | null>;
  /** Cases that must run alone, with nothing else on the server (a crash ends every session). */
  alone?(c: C): boolean;
}

/**
 * Runs a check's cases: all of them with --exhaustive (in parallel, each on its own database),
 * otherwise a fast-check sample whose first failure shrinks to the simplest failing case and is
 * reported with the seed and path that replay it.
 */
export async function explore<C>(context: CheckContext, space: CaseSpace<C>): Promise<CheckOutcome> {
  if (space.all.length === 0) return { status: 'skip', cases: 0, findings: [], reason: 'the plan has no case for this check' };
  const verdicts = new Map<string, Promise<Finding | null>>();
  const evaluate = (c: C): Promise<Finding | null> => {
    const key = space.key(c);
    if (context.states.settings.reuse === false) return space.evaluate(c);
    let verdict = verdicts.get(key);
    if (!verdict) {
      verdict = space.evaluate(c);
      verdicts.set(key, verdict);
    }
    return verdict;
  };

  if (context.options.exhaustive) {
    const findings: (Finding | null)[] = new Array(space.all.length).fill(null);
    const concurrency = context.states.settings.reuse === false ? 1 : CONCURRENCY;
    const shared = space.all.map((c, i) => [c, i] as const).filter(([c]) => !space.alone?.(c));
    const alone = space.all.map((c, i) => [c, i] as const).filter(([c]) => space.alone?.(c));
    let next = 0;
    let finished = 0;
    const worker = async (): Promise<void> => {
      while (next < shared.length) {
        const [c, i] = shared[next++]!;
        findings[i] = await evaluate(c);
        context.progress?.(++finished, space.all.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, shared.length) }, worker));
    for (const [c, i] of alone) {
      findings[i] = await evaluate(c);
      context.progress?.(++finished, space.all.length);
    }
    const found = findings.filter((f): f is Finding => f !== null);
    return { status: found.length > 0 ? 'fail' : 'pass', cases: space.all.length, findings: found };
  }

  const seed = context.options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const details = await fc.check(
    fc.asyncProperty(space.arbitrary, async (c) => (await evaluate(c)) === null),
    {
      seed,
      numRuns: context.options.runs ?? Math.min(DEFAULT_RUNS, space.all.length * 2),
      ...(context.options.path ? { path: context.options.path } : {}),
    },
  );
  const cases = verdicts.size;
  if (!details.failed) return { status: 'pass', cases, findings: [] };
  if (!details.counterexample) {
    // The property threw: an infrastructure failure, not a finding.
    throw details.errorInstance ?? new Error(`check ${space.check}: the property could not run`);
  }
  const [counterexample] = details.counterexample;
  const finding = await evaluate(counterexample);
  if (!finding) throw new Error(`check ${space.check}: the shrunk case passed when replayed`);
  return {
    status: 'fail',
    cases,
    findings: [
      {
        ...finding,
        message: `${finding.message} (seed ${seed}, path ${details.counterexamplePath}, found after ${details.numRuns} runs and shrunk)`,
        reproduce: context.reproduce(space.check, ['--seed', String(seed), '--path', details.counterexamplePath ?? '']),
      },
    ],
  };
}
