import fc from 'fast-check';
import { InputError } from '../migrations/types.js';
import { causeKey, findingGroups } from './findings.js';
import type { CheckContext, CheckName, CheckOutcome, Finding, Shard } from './types.js';

/** What exploring reads of a check's context: a model's run or a real tool's (src/checks/tool/). */
export type ExploreContext = Pick<CheckContext, 'options' | 'progress' | 'reproduce'> & {
  /** `jobs`: how many cases run at once (`--jobs`, src/checks/jobs.ts); absent, JOBS. */
  states: { settings: { reuse?: boolean }; serial: boolean; jobs?(): Promise<number> };
};

/** Cases explored at once with --exhaustive where the states do not say (each has its own database). */
const JOBS = 4;
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
  /**
   * Runs a case whose finding is reported again, with what only a reported finding needs (the
   * statement that wrote a difference: a search that costs about two more runs). Called once per
   * reported finding, never per case; the result must keep the finding's cause.
   */
  attribute?(c: C, finding: Finding): Promise<Finding>;
}

/**
 * The reported finding of case `c`, with what `attribute` adds. A finding whose cause the second
 * run does not keep (it cannot, the same seed giving the same verdict) is kept as it was found.
 * Runs alone: a case that crashes the server may be one of them.
 */
async function attributed<C>(space: CaseSpace<C>, c: C, finding: Finding): Promise<Finding> {
  if (!space.attribute) return finding;
  const again = await space.attribute(c, finding);
  return causeKey(again) === causeKey(finding) ? again : finding;
}

/**
 * With --exhaustive, shard i of n runs the enumerated cases at positions i-1, i-1+n, i-1+2n, …:
 * the enumeration is the same on every machine, so the shards are disjoint, cover every case,
 * and differ in size by at most one.
 */
export function shardOfEnumeration<C>(all: readonly C[], shard: Shard | undefined): C[] {
  if (!shard || shard.count === 1) return [...all];
  return all.filter((_, i) => i % shard.count === shard.index - 1);
}

/**
 * Sampling: every shard draws the same sequence of cases from the same seed, and deals them out
 * in order of first appearance, so a case drawn twice still belongs to one shard only. Returns
 * whether `key` is this shard's.
 */
export function sampleDealer(shard: Shard | undefined): (key: string) => boolean {
  if (!shard || shard.count === 1) return () => true;
  const owners = new Map<string, number>();
  return (key) => {
    let owner = owners.get(key);
    if (owner === undefined) {
      owner = (owners.size % shard.count) + 1;
      owners.set(key, owner);
    }
    return owner === shard.index;
  };
}

function shardLabel(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/**
 * Runs a check's cases: all of them with --exhaustive (in parallel, each on its own database),
 * otherwise a fast-check sample whose first failure shrinks to the simplest failing case and is
 * reported with the seed and path that replay it. Exhaustive cases that end in the same root cause
 * are one finding: the first case's in enumeration order (the simplest), with `cases` counting them.
 */
export async function explore<C>(context: ExploreContext, space: CaseSpace<C>): Promise<CheckOutcome> {
  if (space.all.length === 0) return { status: 'skip', cases: 0, findings: [], reason: 'the plan has no case for this check' };
  const verdicts = new Map<string, Promise<Finding | null>>();
  // The keys of the cases evaluated, in order: with --shard, what this machine's share was.
  const ran = new Set<string>();
  const shard = context.options.shard && context.options.shard.count > 1 ? context.options.shard : undefined;
  const evaluate = (c: C): Promise<Finding | null> => {
    const key = space.key(c);
    ran.add(key);
    if (context.states.settings.reuse === false) return space.evaluate(c);
    let verdict = verdicts.get(key);
    if (!verdict) {
      verdict = space.evaluate(c);
      verdicts.set(key, verdict);
    }
    return verdict;
  };

  const noneHere = (cases: string): CheckOutcome => ({
    status: 'skip',
    cases: 0,
    findings: [],
    reason: `none of the ${cases} falls on shard ${shardLabel(shard!)}`,
    details: { ran: [] },
  });

  if (context.options.exhaustive) {
    const mine = shardOfEnumeration(space.all, shard);
    if (mine.length === 0) return noneHere(`${space.all.length} cases`);
    const findings: (Finding | null)[] = new Array(mine.length).fill(null);
    const concurrency = context.states.settings.reuse === false || context.states.serial ? 1 : ((await context.states.jobs?.()) ?? JOBS);
    const shared = mine.map((c, i) => [c, i] as const).filter(([c]) => !space.alone?.(c));
    const alone = mine.map((c, i) => [c, i] as const).filter(([c]) => space.alone?.(c));
    let next = 0;
    let finished = 0;
    const worker = async (): Promise<void> => {
      while (next < shared.length) {
        const [c, i] = shared[next++]!;
        findings[i] = await evaluate(c);
        context.progress?.(++finished, mine.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, shared.length) }, worker));
    for (const [c, i] of alone) {
      findings[i] = await evaluate(c);
      context.progress?.(++finished, mine.length);
    }
    // In enumeration order (each case wrote its own slot), so the grouping is the same on every run.
    const reported = findings.flatMap((f, i) => (f ? [{ finding: f, c: mine[i]! }] : []));
    const found: Finding[] = [];
    for (const { index, cases } of findingGroups(reported.map((r) => r.finding))) {
      const { c, finding } = reported[index]!;
      found.push({ ...(await attributed(space, c, finding)), cases });
    }
    return { status: found.length > 0 ? 'fail' : 'pass', cases: mine.length, findings: found, details: { ran: [...ran] } };
  }

  const seed = context.options.seed ?? Math.floor(Math.random() * 2 ** 31);
  // A --path names one case: it runs wherever it is asked to.
  const mine = sampleDealer(context.options.path ? undefined : shard);
  let shrinking = false;
  const numRuns = context.options.runs ?? Math.min(DEFAULT_RUNS, space.all.length * 2);
  // Progress counts draws, until a failure: how long shrinking takes is not known in advance.
  let drawn = 0;
  const drew = (): void => context.progress?.(Math.min(++drawn, numRuns), numRuns);
  const noCase = (): InputError =>
    new InputError(
      `--path ${context.options.path} leads to no case of check ${space.check} with seed ${seed}`,
      undefined,
      undefined,
      undefined,
      "copy --seed, --path and --checks together from the finding's reproduce command: a path names a case of one check's sample of one seed",
    );
  const replay = (): Promise<fc.RunDetails<[C]>> => fc.check(
    fc.asyncProperty(space.arbitrary, async (c) => {
      // Shrinking follows a failure wherever its smaller cases fall, as an unsharded run would, so
      // the seed and path it prints replay the same case without --shard.
      if (!shrinking && !mine(space.key(c))) {
        drew();
        return true;
      }
      const holds = (await evaluate(c)) === null;
      if (!holds) shrinking = true;
      else if (!shrinking) drew();
      return holds;
    }),
    {
      seed,
      numRuns,
      ...(context.options.path ? { path: context.options.path } : {}),
    },
  );
  let details: fc.RunDetails<[C]>;
  try {
    details = await replay();
  } catch (error) {
    // fast-check refuses (synchronously) a path that leaves its tree of cases; it names no option.
    if (context.options.path !== undefined && /Unable to replay/.test((error as Error).message)) throw noCase();
    throw error;
  }
  const cases = ran.size;
  // Known only now: how far a path reaches depends on the set's cases.
  if (context.options.path !== undefined && details.numRuns === 0) throw noCase();
  if (!details.failed) {
    if (shard && cases === 0) return noneHere(`${details.numRuns} sampled cases`);
    return { status: 'pass', cases, findings: [], details: { ran: [...ran] } };
  }
  if (!details.counterexample) {
    // The property threw: an infrastructure failure, not a finding.
    throw details.errorInstance ?? new Error(`check ${space.check}: the property could not run`);
  }
  const [counterexample] = details.counterexample;
  const shrunk = await evaluate(counterexample);
  if (!shrunk) throw new Error(`check ${space.check}: the shrunk case passed when replayed`);
  const finding = await attributed(space, counterexample, shrunk);
  return {
    status: 'fail',
    cases,
    findings: [
      {
        ...finding,
        cases: 1,
        message: `${finding.message} (seed ${seed}, path ${details.counterexamplePath}, found after ${details.numRuns} runs and shrunk)`,
        reproduce: context.reproduce(space.check, ['--seed', String(seed), '--path', details.counterexamplePath ?? '']),
      },
    ],
    details: { ran: [...ran] },
  };
}
