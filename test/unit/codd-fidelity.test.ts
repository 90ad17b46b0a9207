import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSet } from '../../src/migrations/load.js';
import { InputError, type MigrationSet } from '../../src/migrations/types.js';
import { setEnvNames } from '../../src/reproduce.js';
import { codd } from '../../src/runners/codd/model.js';
import { CODD_RETRY_POLICY, parseCoddRetryPolicy } from '../../src/runners/codd/retry-policy.js';
import { effectiveRetry, waitsOf } from '../../src/runners/retry.js';
import { rejection, tempFolder } from '../helpers/folders.js';

let dir: string;
const { write } = tempFolder('migtest-codd-fidelity-', (created) => (dir = created));
const A = '2024-01-01-10-00-00-a.sql';

function refusal(value: string): InputError {
  try {
    parseCoddRetryPolicy(value);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error(`expected '${value}' to be refused`);
}

describe('CODD_RETRY_POLICY, read as codd reads it', () => {
  it('parses the documented syntax, with optional spaces between the words, decimals and exponents', () => {
    expect(parseCoddRetryPolicy('max 2 backoff exponential 1.5s')).toMatchObject({ maxRetries: 2, backoff: 'exponential', baseSeconds: 1.5 });
    expect(parseCoddRetryPolicy('max 5 backoff constant 250ms')).toMatchObject({ maxRetries: 5, backoff: 'constant', baseSeconds: 0.25 });
    expect(parseCoddRetryPolicy('max3backoffconstant2e-1s')).toMatchObject({ maxRetries: 3, backoff: 'constant', baseSeconds: 0.2 });
    expect(waitsOf(parseCoddRetryPolicy('max 2 backoff exponential 1.5s'), 2)).toEqual([1500, 3000]);
    // A negative time parses in codd, whose threadDelay then does not wait.
    expect(parseCoddRetryPolicy('max 1 backoff constant -1s').baseSeconds).toBe(0);
  });

  it('refuses what codd refuses: spaces around the value, a missing unit, a negative count, extra words', () => {
    for (const value of [' max 2 backoff exponential 1s', 'max 2 backoff exponential 1s ', 'max 2 backoff exponential 1', 'max -1 backoff constant 1s', 'max 2 backoff linear 1s', 'max 2 backoff constant 1s please', '']) {
      const error = refusal(value);
      expect(error.message).toContain(`${CODD_RETRY_POLICY}='${value}'`);
      expect(error.fix).toContain('max N backoff (constant|exponential) T(s|ms)');
    }
    expect(refusal(' max 2 backoff exponential 1s').message).toContain('starts with a space');
  });

  it("is codd's policy when no --retry is given, and --retry wins over it", () => {
    const env = { [CODD_RETRY_POLICY]: 'max 4 backoff constant 100ms' };
    expect(effectiveRetry(codd, undefined, env)).toMatchObject({ maxRetries: 4, backoff: 'constant', baseSeconds: 0.1, text: 'max 4 backoff constant 100ms' });
    expect(effectiveRetry(codd, 'max 1 backoff constant 1s', env)).toMatchObject({ maxRetries: 1 });
    expect(effectiveRetry(codd, undefined, {})).toMatchObject({ maxRetries: 2, backoff: 'exponential', baseSeconds: 1 });
    expect(() => effectiveRetry(codd, undefined, { [CODD_RETRY_POLICY]: 'max two' })).toThrow(InputError);
    // A malformed variable does not matter when --retry replaces it.
    expect(effectiveRetry(codd, 'max 0 backoff constant 1s', { [CODD_RETRY_POLICY]: 'max two' })).toMatchObject({ maxRetries: 0 });
  });

  it('is named, never valued, by a reproduce command when the run took its policy from it', async () => {
    await write({ [A]: '-- codd-env-vars: APP_ROLE\nSELECT 1;\n' });
    const set = await loadSet(dir, 'codd', { APP_ROLE: 'app' });
    const env = { APP_ROLE: 'app', [CODD_RETRY_POLICY]: 'max 4 backoff constant 100ms' };
    expect(setEnvNames(set, codd, undefined, env)).toEqual(['APP_ROLE', CODD_RETRY_POLICY]);
    expect(setEnvNames(set, codd, 'max 1 backoff constant 1s', env)).toEqual(['APP_ROLE']);
    expect(setEnvNames(set, codd, undefined, { APP_ROLE: 'app' })).toEqual(['APP_ROLE']);
  });
});

describe('COPY forms codd refuses', () => {
  const load = (): Promise<MigrationSet> => loadSet(dir, 'codd', {});

  it.each([
    ["COPY t FROM '/tmp/rows.csv' WITH (FORMAT csv);", 'reads a file on the database server'],
    ['COPY t TO STDOUT;', 'COPY … TO STDOUT sends rows to the client'],
    ['COPY (SELECT 1) TO STDOUT;', 'COPY … TO STDOUT sends rows to the client'],
    ["COPY t TO '/tmp/out.csv';", 'writes a file on the database server'],
    ["COPY t FROM PROGRAM 'cat /etc/hosts';", 'FROM PROGRAM runs a program'],
  ])('refuses %s at load, at the statement, with a fix', async (copy, reason) => {
    await write({ [A]: `CREATE TABLE t (a int);\n  ${copy}\n` });
    const error = await rejection(load());
    expect([path.basename(error.file ?? ''), error.line, error.column]).toEqual([A, 2, 3]);
    expect(error.message).toContain(reason);
    expect(error.message).toContain('codd supports COPY … FROM STDIN with the data inline, and no other form of COPY');
    expect(error.fix).toBeTruthy();
  });

  it('keeps COPY … FROM STDIN with its inline data', async () => {
    await write({ [A]: 'CREATE TABLE t (a int, b text);\nCOPY t (a, b) FROM stdin WITH (FORMAT csv);\n1,x\n\\.\nCOPY public.t FROM STDIN;\n2\ty\n\\.\n' });
    const statements = (await load()).migrations[0]!.up.statements;
    expect(statements.map((s) => s.copyData)).toEqual([undefined, '1,x\n', '2\ty\n']);
  });

  it('leaves a no-parse migration to the server, as codd sends it whole', async () => {
    await write({ [A]: '-- codd: no-parse\nCOPY t TO STDOUT;\n' });
    expect((await load()).migrations[0]!.up.statements).toHaveLength(1);
  });
});
