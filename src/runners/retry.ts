import { InputError } from '../migrations/types.js';

/**
 * A retry policy in the syntax of the tool that retries by itself (RunnerModel.retry), also used
 * for a supervisor's retries: `max N backoff (constant|exponential) T(s|ms)`.
 * N retries, so N + 1 tries; before retry k the wait is T (constant) or T·2^(k-1) (exponential).
 */
export interface RetryPolicy {
  /** The text as written, for messages and for the reproduce command. */
  text: string;
  maxRetries: number;
  backoff: 'constant' | 'exponential';
  /** The wait before the first retry, in seconds. */
  baseSeconds: number;
}

const SYNTAX = 'max N backoff (constant|exponential) T(s|ms), e.g. "max 2 backoff exponential 1s" or "max 5 backoff constant 250ms"';

function malformed(text: string, what: string): InputError {
  return new InputError(`retry policy '${text}': ${what}`, undefined, undefined, undefined, `write it as ${SYNTAX}`);
}

/**
 * Parses a policy as the tool that defines the syntax does (docs/checks.md, "retry"): the words in this
 * order, spaces between them optional, a whole number of retries, a decimal time with its unit.
 */
export function parseRetryPolicy(text: string): RetryPolicy {
  const s = text.trim();
  let i = 0;
  const space = (): void => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const word = (w: string): boolean => {
    if (!s.startsWith(w, i)) return false;
    i += w.length;
    return true;
  };
  if (!word('max')) throw malformed(text, "it starts with 'max'");
  space();
  const retries = /^\d+/.exec(s.slice(i))?.[0];
  if (retries === undefined) {
    const found = /^-\d+/.test(s.slice(i)) ? 'a negative number' : `'${s.slice(i).split(/\s/)[0] ?? ''}'`;
    throw malformed(text, `'max' takes the number of retries, a whole number of at least 0 (found ${found})`);
  }
  i += retries.length;
  const maxRetries = Number(retries);
  if (!Number.isSafeInteger(maxRetries) || maxRetries > 1000) throw malformed(text, `${retries} retries is more than migtest models (at most 1000)`);
  space();
  if (!word('backoff')) throw malformed(text, "the number of retries is followed by 'backoff'");
  space();
  const backoff = word('constant') ? 'constant' : word('exponential') ? 'exponential' : undefined;
  if (!backoff) throw malformed(text, 'backoff must be constant or exponential');
  space();
  const time = /^(\d+(?:\.\d+)?)(ms|s)?/.exec(s.slice(i));
  if (!time) throw malformed(text, `the backoff takes a time such as 1s or 500ms (found '${s.slice(i)}')`);
  if (!time[2]) throw malformed(text, `the time ${time[1]} needs its unit: s or ms (e.g. ${time[1]}s)`);
  i += time[0].length;
  if (i < s.length) throw malformed(text, `unexpected '${s.slice(i).trim()}' after the time`);
  const amount = Number(time[1]);
  return { text: s, maxRetries, backoff, baseSeconds: time[2] === 'ms' ? amount / 1000 : amount };
}

/** How many tries a policy gives one retry unit (a block, or a statement): its retries plus the first try. */
export function triesOf(policy: RetryPolicy | undefined): number {
  return (policy?.maxRetries ?? 0) + 1;
}

/**
 * The wait before retry `retry` (1 for the first retry), in whole milliseconds, or undefined when
 * the policy allows no such retry. Computed as that tool does: the wait doubled per retry
 * (exponential), then `truncate (realToFrac t :: Float) * 1000` — single precision and
 * truncated, so 1.2345s waits 1234 ms and 4061ms waits 4060 ms.
 */
export function waitBefore(policy: RetryPolicy | undefined, retry: number): number | undefined {
  if (!policy || retry < 1 || retry > policy.maxRetries) return undefined;
  const seconds = policy.backoff === 'constant' ? policy.baseSeconds : policy.baseSeconds * 2 ** (retry - 1);
  return Math.trunc(Math.fround(Math.fround(seconds) * 1000));
}

/** Every wait a unit that uses all its tries goes through, in order. */
export function waitsOf(policy: RetryPolicy | undefined, failures: number): number[] {
  const waits: number[] = [];
  for (let k = 1; k <= failures; k++) {
    const wait = waitBefore(policy, k);
    if (wait === undefined) break;
    waits.push(wait);
  }
  return waits;
}

/** Where waiting happens: real time for a real run, virtual time for checks and tests. */
export interface Clock {
  /** Milliseconds since some fixed point. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A clock whose time moves only when someone waits: a check can follow a policy's waits exactly
 * without sleeping through them.
 */
export class VirtualClock implements Clock {
  #now = 0;
  /** Every wait, in the order they happened. */
  readonly waits: number[] = [];

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    this.#now += ms;
    this.waits.push(ms);
    return Promise.resolve();
  }
}

interface OwnRetry {
  defaultPolicy: string;
  environment?: { variable: string; parse(value: string): RetryPolicy };
}

/**
 * The policy a run uses: the one given (`--retry`, a scenario's `retry`), else the tool's own:
 * the one its environment variable sets (RunnerModel.retry.environment, read from `env`), else
 * its default (RunnerModel.retry); else none: one try.
 */
export function effectiveRetry(model: { retry?: OwnRetry | undefined }, given?: string, env: Record<string, string | undefined> = {}): RetryPolicy | undefined {
  if (given !== undefined) return parseRetryPolicy(given);
  if (!model.retry) return undefined;
  const fromEnv = ownRetryVariable(model, given, env);
  if (fromEnv !== undefined) return model.retry.environment!.parse(env[fromEnv]!);
  return parseRetryPolicy(model.retry.defaultPolicy);
}

/**
 * The name of the tool's retry variable when a run takes its policy from it (set, and no policy
 * given): a reproduce command names it, never its value.
 */
export function ownRetryVariable(model: { retry?: OwnRetry | undefined }, given: string | undefined, env: Record<string, string | undefined>): string | undefined {
  const variable = model.retry?.environment?.variable;
  if (given !== undefined || variable === undefined || env[variable] === undefined) return undefined;
  return variable;
}
