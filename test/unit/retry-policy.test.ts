import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/migrations/types.js';
import { CODD_DEFAULT_RETRY } from '../../src/runners/codd/model.js';
import { effectiveRetry, parseRetryPolicy, triesOf, VirtualClock, waitBefore, waitsOf } from '../../src/runners/retry.js';
import { codd } from '../../src/runners/codd/model.js';
import { rerunAll } from '../../src/runners/rerun-all/model.js';

function refusal(text: string): InputError {
  try {
    parseRetryPolicy(text);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error(`'${text}' was accepted`);
}

describe('retry policies in codd syntax', () => {
  it("reads codd's default: 3 tries, waiting 1 s then 2 s", () => {
    const policy = parseRetryPolicy(CODD_DEFAULT_RETRY);
    expect(policy).toEqual({ text: 'max 2 backoff exponential 1s', maxRetries: 2, backoff: 'exponential', baseSeconds: 1 });
    expect(triesOf(policy)).toBe(3);
    expect(waitsOf(policy, 2)).toEqual([1000, 2000]);
    expect(waitBefore(policy, 3)).toBeUndefined();
  });

  it('reads the forms codd accepts (EnvironmentSpec): decimals, milliseconds, no retries, spaces optional', () => {
    expect(parseRetryPolicy('max 0 backoff exponential 2s')).toMatchObject({ maxRetries: 0, baseSeconds: 2 });
    expect(triesOf(parseRetryPolicy('max 0 backoff exponential 2s'))).toBe(1);
    expect(parseRetryPolicy('max 2 backoff exponential 2.5s')).toMatchObject({ maxRetries: 2, backoff: 'exponential', baseSeconds: 2.5 });
    expect(parseRetryPolicy('max 7 backoff constant 1250ms')).toMatchObject({ maxRetries: 7, backoff: 'constant', baseSeconds: 1.25 });
    expect(parseRetryPolicy('  max3backoffconstant10ms ')).toMatchObject({ text: 'max3backoffconstant10ms', maxRetries: 3, baseSeconds: 0.01 });
    expect(waitsOf(parseRetryPolicy('max 7 backoff constant 1250ms'), 7)).toEqual(Array(7).fill(1250));
    expect(waitsOf(parseRetryPolicy('max 4 backoff exponential 2.5s'), 4)).toEqual([2500, 5000, 10000, 20000]);
  });

  it('waits as codd computes them: single precision, truncated to whole milliseconds', () => {
    expect(waitBefore(parseRetryPolicy('max 1 backoff constant 0.3s'), 1)).toBe(300);
    expect(waitBefore(parseRetryPolicy('max 1 backoff constant 1.2345s'), 1)).toBe(1234);
    expect(waitBefore(parseRetryPolicy('max 1 backoff constant 4061ms'), 1)).toBe(4060);
  });

  it('refuses malformed policies with a message that says what is wrong and how to write it', () => {
    expect(refusal('max 1 backoff exponential 2').message).toContain('the time 2 needs its unit: s or ms');
    expect(refusal('max -1 backoff exponential 2s').message).toContain('a whole number of at least 0 (found a negative number)');
    expect(refusal('max two backoff constant 1s').message).toContain("(found 'two')");
    expect(refusal('max 2 backoff linear 1s').message).toContain('backoff must be constant or exponential');
    expect(refusal('retry 2 backoff constant 1s').message).toContain("it starts with 'max'");
    expect(refusal('max 2 constant 1s').message).toContain("followed by 'backoff'");
    expect(refusal('max 2 backoff constant 1s please').message).toContain("unexpected 'please' after the time");
    expect(refusal('max 2 backoff constant').message).toContain('the backoff takes a time such as 1s or 500ms');
    expect(refusal('').message).toContain("it starts with 'max'");
    expect(refusal('max 2 backoff constant 1h').fix).toContain('max N backoff (constant|exponential) T(s|ms)');
  });

  it('exponential waits double, constant ones stay, for any policy (to single precision, truncated)', () => {
    fc.assert(
      fc.property(fc.nat(12), fc.constantFrom('constant', 'exponential'), fc.integer({ min: 1, max: 5000 }), (max, backoff, ms) => {
        const policy = parseRetryPolicy(`max ${max} backoff ${backoff} ${ms}ms`);
        const waits = waitsOf(policy, max);
        expect(waits).toHaveLength(max);
        waits.forEach((w, k) => {
          const nominal = backoff === 'constant' ? ms : ms * 2 ** k;
          expect(w).toBeLessThanOrEqual(nominal);
          expect(nominal - w).toBeLessThanOrEqual(Math.max(1, nominal * 2 ** -22));
        });
      }),
    );
  });

  it("uses the tool's own default only where it has one: codd's for codd, none for rerun-all", () => {
    expect(effectiveRetry(codd)?.text).toBe(CODD_DEFAULT_RETRY);
    expect(effectiveRetry(rerunAll)).toBeUndefined();
    expect(effectiveRetry(rerunAll, 'max 1 backoff constant 5s')?.maxRetries).toBe(1);
    expect(() => effectiveRetry(codd, 'max')).toThrow(InputError);
  });

  it('a virtual clock moves only when waited on, and never sleeps', async () => {
    const clock = new VirtualClock();
    const started = Date.now();
    await clock.sleep(1000);
    await clock.sleep(2000);
    expect(clock.now()).toBe(3000);
    expect(clock.waits).toEqual([1000, 2000]);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
