import { InputError } from '../../migrations/types.js';
import type { RetryPolicy } from '../retry.js';

/** The environment variable codd reads its retry policy from (src/Codd/Environment.hs). */
export const CODD_RETRY_POLICY = 'CODD_RETRY_POLICY';

/**
 * Reads `CODD_RETRY_POLICY` as codd does (`retryPolicyParser`, applied with `parseOnly (p <*
 * endOfInput)` to the variable's whole value): `max`, a whole number of retries, `backoff`,
 * `constant` or `exponential`, a decimal time and its unit (`s` or `ms`); spaces between the words
 * optional, none before the first word or after the unit. The time is attoparsec's `rational`: an
 * optional sign and an optional exponent (`1.5s`, `2e-1s`). A value codd cannot parse stops codd
 * before it connects ("Error parsing environment variable 'CODD_RETRY_POLICY': …"), so it stops
 * migtest too, before any server starts.
 */
export function parseCoddRetryPolicy(value: string): RetryPolicy {
  let i = 0;
  const fail = (what: string): never => {
    throw new InputError(
      `environment variable ${CODD_RETRY_POLICY}='${value}' is not a retry policy codd reads: ${what}; codd stops with "Error parsing environment variable '${CODD_RETRY_POLICY}'" before it connects`,
      undefined,
      undefined,
      undefined,
      `set it as codd documents it, "max N backoff (constant|exponential) T(s|ms)" (e.g. ${CODD_RETRY_POLICY}="max 2 backoff exponential 1s"), or unset it for codd's default`,
    );
  };
  const spaces = (): void => {
    while (i < value.length && /\s/.test(value[i]!)) i++;
  };
  const word = (w: string): boolean => {
    if (!value.startsWith(w, i)) return false;
    i += w.length;
    return true;
  };
  if (!word('max')) fail(i === 0 && /^\s/.test(value) ? "it starts with a space, and codd expects 'max' as its very first characters" : "it does not start with 'max'");
  spaces();
  const retries = /^\d+/.exec(value.slice(i))?.[0];
  if (retries === undefined) fail("'max' is not followed by a whole number of retries");
  i += retries!.length;
  const maxRetries = Number(retries);
  if (!Number.isSafeInteger(maxRetries) || maxRetries > 1000) fail(`${retries} retries is more than migtest models (at most 1000)`);
  spaces();
  if (!word('backoff')) fail("the number of retries is not followed by 'backoff'");
  spaces();
  const backoff = word('constant') ? 'constant' : word('exponential') ? 'exponential' : fail('backoff must be constant or exponential');
  spaces();
  const time = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(ms|s)/.exec(value.slice(i));
  if (!time) fail(`the backoff takes a time such as 1s or 500ms (found '${value.slice(i)}')`);
  i += time![0].length;
  if (i < value.length) fail(`'${value.slice(i)}' follows the time, and codd reads nothing after it (not even a space)`);
  const amount = Number(time![1]);
  // A negative time parses; codd's threadDelay then returns at once: no wait.
  const seconds = Math.max(0, time![2] === 'ms' ? amount / 1000 : amount);
  return { text: value, maxRetries, backoff: backoff as RetryPolicy['backoff'], baseSeconds: seconds };
}
