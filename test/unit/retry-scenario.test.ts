import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/config/scenario.js';
import { InputError } from '../../src/migrations/types.js';
import { reproduceCommand } from '../../src/reproduce.js';
import { displayText } from '../../src/report/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'migtest-retry-scenarios-'));
mkdirSync(join(dir, 'set'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, value: unknown): string {
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(value, null, 2));
  return join(dir, name);
}

const base = { name: 'x', story: 'y', runner: 'rerun-all', checks: ['retry'] };

describe('retry policies in scenarios', () => {
  it('takes a policy for the scenario and another for one of its sets', () => {
    const scenario = loadScenario(
      write('ok', { ...base, retry: 'max 3 backoff constant 5s', sets: { broken: { path: 'set' }, fixed: { path: 'set', retry: 'max 0 backoff constant 0s' } } }),
    );
    expect(scenario.retry).toBe('max 3 backoff constant 5s');
    expect(scenario.sets.fixed!.retry).toBe('max 0 backoff constant 0s');
    expect(scenario.sets.broken!.retry).toBeUndefined();
  });

  it('refuses a malformed policy at its line, saying what is wrong', () => {
    let error: unknown;
    try {
      loadScenario(write('bad', { ...base, sets: { broken: { path: 'set', retry: 'max 2 backoff exponential' } } }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toContain("sets.broken.retry: retry policy 'max 2 backoff exponential': the backoff takes a time such as 1s or 500ms");
    expect((error as InputError).line).toBe(11);
  });

  it('a reproduce command carries the policy it ran under', () => {
    const command = reproduceCommand(
      { dir: 'migrations-under-test/duplicate-rows/broken', runner: 'rerun-all', provider: 'embedded', options: {}, retry: 'max 3 backoff constant 5s' },
      'retry',
      17,
    );
    expect(displayText(command)).toBe("npx migtest check migrations-under-test/duplicate-rows/broken --runner rerun-all --checks retry --pg 17 --retry 'max 3 backoff constant 5s'");
  });
});
