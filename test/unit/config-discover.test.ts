import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_FIELDS, configChecks, configRequest, validateConfig } from '../../src/config/define.js';
import { findConfig } from '../../src/config/discover.js';
import { requestFromConfig } from '../../src/config/file.js';
import { commanderError } from '../../src/cli/commander-errors.js';
import { wantsColor } from '../../src/cli/color.js';
import { withDefaultCommand } from '../../src/cli/main.js';
import { InputError } from '../../src/migrations/types.js';

const dir = mkdtempSync(join(tmpdir(), 'migtest-config-discover-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function folder(...parts: string[]): string {
  const path = join(dir, ...parts);
  mkdirSync(path, { recursive: true });
  return path;
}

describe('findConfig', () => {
  it('finds the nearest migtest.config.* from a subfolder upward, and none where there is none', () => {
    const repo = folder('repo');
    const deep = folder('repo', 'services', 'api', 'src');
    expect(findConfig(deep)).toBeUndefined();
    writeFileSync(join(repo, 'migtest.config.mjs'), 'export default {};\n');
    expect(findConfig(deep)).toBe(join(repo, 'migtest.config.mjs'));
    // The nearest wins: a service's own config over the repository's.
    writeFileSync(join(repo, 'services', 'api', 'migtest.config.ts'), 'export default {};\n');
    expect(findConfig(deep)).toBe(join(repo, 'services', 'api', 'migtest.config.ts'));
    expect(findConfig(join(repo, 'services'))).toBe(join(repo, 'migtest.config.mjs'));
  });

  it('takes each of the four names, and not a folder of that name', () => {
    for (const name of ['migtest.config.ts', 'migtest.config.mts', 'migtest.config.mjs', 'migtest.config.js']) {
      const here = folder('names', name.replace(/\./g, '-'));
      writeFileSync(join(here, name), 'export default {};\n');
      expect(findConfig(here)).toBe(join(here, name));
    }
    const decoy = folder('decoy', 'migtest.config.ts');
    expect(findConfig(decoy)).toBeUndefined();
  });

  it('refuses two configs in one folder, naming them, with a fix', () => {
    const two = folder('two');
    writeFileSync(join(two, 'migtest.config.ts'), 'export default {};\n');
    writeFileSync(join(two, 'migtest.config.js'), 'export default {};\n');
    let error: unknown;
    try {
      findConfig(folder('two', 'sub'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe('two migtest configs in one folder: migtest.config.ts and migtest.config.js');
    expect((error as InputError).file).toBe(join(two, 'migtest.config.ts'));
    expect((error as InputError).fix).toContain('--config');
  });
});

describe('config fields of check expected', () => {
  const set = folder('app', 'db', 'migrations');
  const file = join(dir, 'app', 'migtest.config.ts');

  it('takes expected (relative to the config) and ignore, one or a list, and passes them to the checks', () => {
    const config = validateConfig({ set: 'db/migrations', runner: 'dbmate', expected: 'db/schema', ignore: 'owners' }, file);
    const request = configRequest(config);
    expect(request.options).toMatchObject({ expected: join(dir, 'app', 'db/schema'), ignore: ['owners'] });
    // A folder named is meant to be used: expected runs beside the default checks.
    expect(request.checks).toEqual(['fresh', 'twice', 'expected']);
    const list = validateConfig({ set: 'db/migrations', runner: 'dbmate', ignore: ['privileges', 'column-order', 'privileges'] }, file);
    expect(configRequest(list).options.ignore).toEqual(['column-order', 'privileges']);
  });

  it('keeps expected when the config lists its checks and names a folder; a list without it and no folder is kept as it is', () => {
    const listed = validateConfig({ set: 'db/migrations', runner: 'dbmate', checks: ['fresh'], expected: 'db/schema' }, file);
    expect(configRequest(listed).checks).toEqual(['fresh', 'expected']);
    const only = validateConfig({ set: 'db/migrations', runner: 'dbmate', checks: ['fresh'] }, file);
    expect(configRequest(only).checks).toEqual(['fresh']);
    const both = validateConfig({ set: 'db/migrations', runner: 'dbmate', checks: ['expected', 'fresh'] }, file);
    expect(configRequest(both).checks).toEqual(['expected', 'fresh']);
  });

  it('adds expected to the default checks when the set has an expected-schema folder, as the command line does', () => {
    const config = validateConfig({ set: 'db/migrations', runner: 'dbmate' }, file);
    expect(configChecks(config, set, undefined)).toEqual(['fresh', 'twice']);
    folder('app', 'db', 'expected-schema');
    expect(configChecks(config, set, undefined)).toEqual(['fresh', 'twice', 'expected']);
    rmSync(join(dir, 'app', 'db', 'expected-schema'), { recursive: true });
  });

  it('refuses an unknown ignore at its line, and an unknown field with the list of fields', () => {
    writeFileSync(file, `export default {\n  set: 'db/migrations',\n  runner: 'dbmate',\n  ignore: ['owner'],\n};\n`);
    let error: InputError | undefined;
    try {
      validateConfig({ set: 'db/migrations', runner: 'dbmate', ignore: ['owner'] }, file);
    } catch (e) {
      error = e as InputError;
    }
    expect(error?.message).toBe('ignore: ignore takes column-order, owners, privileges (one, or a list)');
    expect([error?.file, error?.line]).toEqual([file, 4]);
    try {
      validateConfig({ set: 'db/migrations', runner: 'dbmate', expectedSchema: 'x' }, file);
    } catch (e) {
      error = e as InputError;
    }
    expect(error?.message).toBe('unknown field expectedSchema');
    expect(error?.fix).toBe(`a migtest config's fields are: ${CONFIG_FIELDS.join(', ')}`);
    expect(CONFIG_FIELDS).toEqual(expect.arrayContaining(['expected', 'ignore', 'role', 'statementTimeout', 'caseTimeout']));
  });

  it('lets --expected, --ignore, --checks, --role and the timeouts on the command line replace the config', async () => {
    const config = validateConfig(
      { set: 'db/migrations', runner: 'dbmate', expected: 'db/schema', ignore: ['owners'], role: 'deployer', statementTimeout: '30s', caseTimeout: '5m' },
      file,
    );
    const flags = {
      dir: '',
      runner: undefined as unknown as string,
      checks: ['fresh' as const],
      postgres: [],
      provider: 'embedded',
      options: { expected: '/elsewhere', ignore: ['privileges' as const], faults: ['error' as const, 'terminate' as const] },
      runnerOptions: {},
      role: 'ci',
      limits: { statementMs: 1000 },
    };
    const given = new Set(['expected', 'ignore', 'role', 'statementTimeout']);
    const request = await requestFromConfig(config, flags, (flag) => given.has(flag));
    expect(request.options).toMatchObject({ expected: '/elsewhere', ignore: ['privileges'] });
    expect(request.role).toBe('ci');
    expect(request.limits).toEqual({ statementMs: 1000, caseMs: 300_000 });
    expect(request.checks).toEqual(['fresh', 'twice', 'expected']);
    const narrowed = await requestFromConfig(config, flags, (flag) => flag === 'checks');
    expect(narrowed.checks).toEqual(['fresh']);
    expect(narrowed.role).toBe('deployer');
    expect(narrowed.limits).toEqual({ statementMs: 30_000, caseMs: 300_000 });
  });
});

describe('the command line in migtest words', () => {
  it('runs check when no command is given, and leaves commands, help and version alone', () => {
    expect(withDefaultCommand([])).toEqual(['check']);
    expect(withDefaultCommand(['--pg', '16'])).toEqual(['check', '--pg', '16']);
    expect(withDefaultCommand(['lint'])).toEqual(['lint']);
    expect(withDefaultCommand(['--help'])).toEqual(['--help']);
    expect(withDefaultCommand(['-V'])).toEqual(['-V']);
    expect(withDefaultCommand(['chek'])).toEqual(['chek']);
  });

  it("rewrites commander's errors with a fix line: its suggestion, else the command's help", () => {
    const unknown = commanderError(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--runz'\n(Did you mean --runs?)"), ['check', '--runz']);
    expect([unknown.message, unknown.fix]).toEqual(["unknown option '--runz'", 'did you mean --runs? (migtest check --help lists the rest)']);
    const missing = commanderError(new CommanderError(1, 'commander.optionMissingArgument', "error: option '--pg <versions>' argument missing"), ['snapshot', '--pg']);
    expect([missing.message, missing.fix]).toEqual(["option '--pg <versions>' argument missing", 'give the option its value, e.g. --pg 17 (migtest snapshot --help)']);
    const command = commanderError(new CommanderError(1, 'commander.unknownCommand', "error: unknown command 'verify'"), ['verify']);
    expect(command.fix).toBe('the commands are check, lint, snapshot, run; migtest --help says more');
  });
});

describe('wantsColor', () => {
  it('colours a terminal outside CI, and a pipe only with FORCE_COLOR', () => {
    expect(wantsColor(true, {})).toBe(true);
    expect(wantsColor(true, { CI: 'true' })).toBe(false);
    expect(wantsColor(undefined, {})).toBe(false);
    expect(wantsColor(undefined, { FORCE_COLOR: '1' })).toBe(true);
    expect(wantsColor(undefined, { FORCE_COLOR: '' })).toBe(true);
    expect(wantsColor(undefined, { FORCE_COLOR: '3', CI: 'true' })).toBe(true);
  });

  it('turns colour off with FORCE_COLOR=0 or false, and with NO_COLOR whatever FORCE_COLOR says', () => {
    expect(wantsColor(true, { FORCE_COLOR: '0' })).toBe(false);
    expect(wantsColor(true, { FORCE_COLOR: 'false' })).toBe(false);
    expect(wantsColor(true, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor(undefined, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    // An empty NO_COLOR is not set (no-color.org).
    expect(wantsColor(true, { NO_COLOR: '' })).toBe(true);
  });
});
