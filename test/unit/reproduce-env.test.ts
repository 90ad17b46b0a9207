import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { RunRequest } from '../../src/run.js';
import { reproduceCommand, setEnvNames } from '../../src/reproduce.js';
import { displayText } from '../../src/report/paths.js';
import { tempFolder } from '../helpers/folders.js';
import { loadSet } from '../../src/migrations/load.js';
import type { Env, MigrationSet } from '../../src/migrations/types.js';

const loadCodd = (dir: string, env: Env = {}): Promise<MigrationSet> => loadSet(dir, 'codd', env);

let dir: string;
const { write } = tempFolder('migtest-reproduce-env-', (created) => (dir = created));

const request = (d: string): RunRequest => ({ dir: d, runner: 'codd', checks: ['fault'], postgres: [], provider: 'embedded', options: { seed: 5 } });

describe('reproduce commands of a set that reads environment variables', () => {
  it("names codd's -- codd-env-vars in the command, once each, in file order, never their values", async () => {
    await write({
      '2024-01-01-10-00-00-a.sql': '-- codd-env-vars: APP_ROLE, APP_DB\nGRANT SELECT ON pg_class TO ${APP_ROLE};',
      '2024-01-02-10-00-00-b.sql': "-- codd-env-vars: APP_DB\nSELECT '${APP_DB}';",
      '2024-01-03-10-00-00-c.sql': 'SELECT 1;',
    });
    const set = await loadCodd(dir, { APP_ROLE: 's3cret_role', APP_DB: 'orders' });
    const names = setEnvNames(set);
    expect(names).toEqual(['APP_ROLE', 'APP_DB']);
    const command = reproduceCommand(request('sets/a'), 'fault', 17, ['--path', '0:1'], names);
    // The set is named by its absolute path, shown from the current directory by the reporter.
    expect(displayText(command)).toBe('APP_ROLE="${APP_ROLE?}" APP_DB="${APP_DB?}" npx migtest check sets/a --runner codd --checks fault --pg 17 --seed 5 --path 0:1');
    expect(command).not.toContain('s3cret_role');
    expect(command).not.toContain('orders');
  });

  it('a set without them gets none', async () => {
    await write({ '2024-01-01-10-00-00-a.sql': 'SELECT 1;' });
    expect(setEnvNames(await loadCodd(dir, {}))).toEqual([]);
    expect(reproduceCommand(request('sets/a'), 'fault', 17)).toMatch(/^npx migtest check /);
  });

  it('the form runs in a POSIX shell: it passes on the value of the shell it runs in, and stops, naming the variable, when that is not set', () => {
    // The command's prefix, with the command itself replaced by one that prints what it receives.
    const prefix = reproduceCommand(request('x'), 'fault', 17, [], ['APP_ROLE']).replace(/ npx migtest check .*$/, '');
    const line = `${prefix} node -e 'console.log(process.env.APP_ROLE)'`;
    // Set but not exported, as a variable in an interactive shell often is.
    const set = spawnSync('sh', ['-c', `APP_ROLE=reader; ${line}`], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(set.status).toBe(0);
    expect(set.stdout.trim()).toBe('reader');
    const unset = spawnSync('sh', ['-c', line], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(unset.status).not.toBe(0);
    expect(unset.stderr).toContain('APP_ROLE');
    expect(unset.stdout).toBe('');
  });
});
