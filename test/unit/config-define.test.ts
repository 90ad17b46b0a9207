import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asConfig, configRequest, defineConfig, RUNNER_NAMES, validateConfig } from '../../src/config/define.js';
import { loadConfigFile, requestFromConfig } from '../../src/config/file.js';
import { InputError } from '../../src/migrations/types.js';
import { RUNNERS } from '../../src/runners/registry.js';
import { rejection } from '../helpers/folders.js';

const dir = mkdtempSync(join(tmpdir(), 'migtest-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('defineConfig', () => {
  it('fills in the defaults, and the set is relative to the file that calls it', () => {
    const config = defineConfig({ set: 'db/migrations', runner: 'rerun-all' });
    expect(config).toMatchObject({ checks: ['fresh', 'twice'], postgres: [17], provider: 'embedded', runnerOptions: {} });
    expect(config.file).toBe(new URL(import.meta.url).pathname);
    expect(config.root).toBe(new URL('.', import.meta.url).pathname.replace(/\/$/, ''));
    expect(configRequest(config).dir).toBe(join(config.root, 'db/migrations'));
  });

  it('takes one version or a list, runner options of any plain type (as strings), and the property settings', () => {
    const config = defineConfig({
      set: 'sql',
      runner: 'golang-migrate',
      runnerOptions: { transactions: true, 'multi-statement': 'false' },
      checks: ['fresh', 'fault', 'fault'],
      postgres: 16,
      retry: 'max 2 backoff exponential 1s',
      seed: 42,
      runs: 5,
      exhaustive: true,
      faults: ['error', 'crash'],
    });
    expect(config.postgres).toEqual([16]);
    expect(config.checks).toEqual(['fresh', 'fault']);
    expect(configRequest(config)).toMatchObject({
      runner: 'golang-migrate',
      checks: ['fresh', 'fault'],
      postgres: [16],
      runnerOptions: { transactions: 'true', 'multi-statement': 'false' },
      retry: 'max 2 backoff exponential 1s',
      options: { seed: 42, runs: 5, exhaustive: true, faults: ['error', 'crash'] },
    });
  });

  it('without postgres, a url or an image without {pg} runs on the server\'s own version, as the command line does without --pg', () => {
    const base = { set: 'db', runner: 'dbmate' } as const;
    expect(validateConfig({ ...base, provider: 'url' }).postgres).toEqual([]);
    expect(configRequest(validateConfig({ ...base, provider: 'url' })).postgres).toEqual([]);
    expect(validateConfig({ ...base, provider: 'container', image: 'postgres:16-alpine' }).postgres).toEqual([]);
    expect(validateConfig({ ...base, provider: 'container', image: 'postgres:{pg}' }).postgres).toEqual([17]);
    expect(validateConfig({ ...base, provider: 'container' }).postgres).toEqual([17]);
    expect(validateConfig({ ...base, provider: 'url', postgres: 16 }).postgres).toEqual([16]);
  });

  it('a url alone chooses the url provider, an image alone the container one; beside another provider each is refused naming the file and line', () => {
    const base = { set: 'db', runner: 'dbmate' } as const;
    expect(validateConfig({ ...base, url: 'postgres://localhost/x' })).toMatchObject({ provider: 'url', postgres: [] });
    expect(validateConfig({ ...base, image: 'postgres:{pg}' })).toMatchObject({ provider: 'container', postgres: [17] });
    const file = join(dir, 'url-embedded.mjs');
    writeFileSync(file, "export default {\n  set: 'db',\n  runner: 'dbmate',\n  provider: 'embedded',\n  url: 'postgres://localhost/x',\n};\n");
    const error = inputError(() => validateConfig({ ...base, provider: 'embedded', url: 'postgres://localhost/x' }, file));
    expect(error).toMatchObject({ file, line: 5, message: expect.stringContaining("url is for provider 'url'") });
    expect(error.fix).toContain("provider: 'url'");
  });

  it('a config that does not load names its file, line and column', async () => {
    const syntax = join(dir, 'syntax.mjs');
    writeFileSync(syntax, "export default {\n  set: 'db',\n  runner: 'dbmate'\n  checks: ['fresh'],\n};\n");
    // (Under vitest, vite parses a .mjs and places the column its own way; the CLI's is the bad-input table's.)
    expect(await rejection(loadConfigFile(syntax))).toMatchObject({ file: syntax, line: 4 });
    const ts = join(dir, 'syntax.ts');
    writeFileSync(ts, "export default {\n  set: 'db',\n  runner: 'dbmate'\n  checks: ['fresh'],\n};\n");
    expect(await rejection(loadConfigFile(ts))).toMatchObject({ file: ts, line: 4, column: 3 });
    const thrown = join(dir, 'thrown.mjs');
    writeFileSync(thrown, "export default {\n  set: 'db',\n  runner: nope,\n};\n");
    expect(await rejection(loadConfigFile(thrown))).toMatchObject({ file: thrown, line: 3 });
  });

  it('finds the config file of defineConfig in a folder whose name has spaces and parentheses', async () => {
    const folder = join(dir, 'My Projects (old)', 'app');
    mkdirSync(folder, { recursive: true });
    const source = new URL('../../dist/index.js', import.meta.url).pathname;
    for (const name of ['migtest.config.ts', 'migtest.config.mjs']) {
      const file = join(folder, name);
      writeFileSync(file, `import { defineConfig } from '${source}';\nexport default defineConfig({ set: 'db/migrations', runner: 'rerun-all' });\n`);
      const config = await loadConfigFile(file);
      expect([config.root, config.file]).toEqual([folder, file]);
      expect(configRequest(config).dir).toBe(join(folder, 'db/migrations'));
    }
  });

  it('refuses a bad field, naming the config file, the line of the field and what is wrong', async () => {
    const file = join(dir, 'migtest.config.ts');
    // The built package, as a service repo imports it (pretest builds dist/).
    const source = new URL('../../dist/index.js', import.meta.url).pathname;
    writeFileSync(
      file,
      `import { defineConfig } from '${source}';\n\nexport default defineConfig({\n  set: 'db/migrations',\n  runner: 'rerun-all',\n  postgres: [17, 13],\n});\n`,
    );
    const error = await rejection(loadConfigFile(file));
    expect(error.message).toBe('postgres[1]: PostgreSQL 14 to 18');
    expect([error.file, error.line, error.column]).toEqual([file, 6, 3]);
    expect(error.fix).toContain('docs/config.md');
  });

  it('lists the runner models the command line knows', () => {
    expect([...RUNNER_NAMES].sort()).toEqual(Object.keys(RUNNERS).sort());
  });
});

describe('validateConfig', () => {
  const file = join(dir, 'migtest.config.ts');
  const check = (text: string, raw: unknown) => {
    writeFileSync(file, text);
    return inputError(() => validateConfig(raw, file));
  };

  it('names a misspelt field before the field it lacks', () => {
    const error = check(`export default defineConfig({\n  set: 'db',\n  runnr: 'rerun-all',\n});\n`, { set: 'db', runnr: 'rerun-all' });
    expect(error.message).toBe('unknown field runnr');
    expect([error.file, error.line, error.column]).toEqual([file, 3, 3]);
  });

  it('says a missing field is missing, and lists the runner models for an unknown one', () => {
    expect(check(`export default { runner: 'rerun-all' }\n`, { runner: 'rerun-all' }).message).toBe(
      'set: missing: the folder of the migration set, e.g. db/migrations',
    );
    const unknown = check(`export default {\n  set: 'db',\n  runner: 'flyway',\n}\n`, { set: 'db', runner: 'flyway' });
    expect(unknown.message).toBe(`runner: unknown runner model 'flyway': use one of ${Object.keys(RUNNERS).join(', ')}`);
    expect(unknown.line).toBe(3);
  });

  it('refuses an unknown check, provider, fault kind or malformed retry policy', () => {
    const base = { set: 'db', runner: 'rerun-all' };
    expect(check('', { ...base, checks: ['fresh', 'twicee'] }).message).toMatch(/^checks\[1\]: unknown check 'twicee': use one of fresh, twice/);
    expect(check('', { ...base, provider: 'docker' }).message).toMatch(/^provider: unknown provider 'docker': use one of embedded/);
    expect(check('', { ...base, faults: ['boom'] }).message).toBe('faults[0]: a fault kind is one of error, terminate, crash');
    expect(check('', { ...base, retry: 'twice please' }).message).toMatch(/^retry: /);
    expect(check('', { ...base, checks: [] }).message).toBe('checks: name at least one check');
  });

  it('without a file, says it is a migtest config and resolves the set against the current directory', () => {
    const error = inputError(() => validateConfig({ set: 'db' }));
    expect(error.file).toBeUndefined();
    expect(error.message).toMatch(/^migtest config: runner: missing/);
    expect(configRequest(validateConfig({ set: 'db', runner: 'dbmate' })).dir).toBe(join(process.cwd(), 'db'));
  });

  it('keeps a config from defineConfig as it is, and validates a plain object', () => {
    const defined = defineConfig({ set: 'db', runner: 'codd' });
    expect(asConfig(defined)).toBe(defined);
    expect(asConfig({ set: 'db', runner: 'codd' })).toMatchObject({ runner: 'codd', root: process.cwd() });
  });
});

describe('config files for the command line', () => {
  it('loads a .mjs config with a plain default export, the set relative to its folder', async () => {
    const file = join(dir, 'plain.config.mjs');
    writeFileSync(file, `export default { set: 'db/migrations', runner: 'dbmate', checks: ['fresh'] };\n`);
    const config = await loadConfigFile(file);
    expect(config).toMatchObject({ runner: 'dbmate', checks: ['fresh'], root: dir, file });
  });

  it('loads a .ts config with type annotations', async () => {
    const file = join(dir, 'typed.config.ts');
    writeFileSync(file, `const postgres: number[] = [15, 16];\nexport default { set: 'sql' as string, runner: 'codd' as const, postgres };\n`);
    expect(await loadConfigFile(file)).toMatchObject({ runner: 'codd', postgres: [15, 16], root: dir });
  });

  it('refuses a missing file, a file without default export and one that does not load', async () => {
    expect((await rejection(loadConfigFile(join(dir, 'absent.config.ts')))).message).toMatch(/^no config file /);
    writeFileSync(join(dir, 'named.config.mjs'), `export const config = {};\n`);
    expect((await rejection(loadConfigFile(join(dir, 'named.config.mjs')))).message).toBe('the config has no default export');
    writeFileSync(join(dir, 'broken.config.ts'), `export default { set: 'db' runner: 'codd' };\n`);
    const broken = await rejection(loadConfigFile(join(dir, 'broken.config.ts')));
    expect(broken.message).toMatch(/^could not load the config: /);
    expect(broken.file).toBe(join(dir, 'broken.config.ts'));
    // A config may throw what is not an Error.
    writeFileSync(join(dir, 'throws.config.mjs'), `throw 'no DATABASE_URL here';\n`);
    const thrown = await rejection(loadConfigFile(join(dir, 'throws.config.mjs')));
    expect(thrown).toBeInstanceOf(InputError);
    expect(thrown.message).toBe('could not load the config: no DATABASE_URL here');
  });

  it('lets the options given on the command line replace the config, and only those', async () => {
    const file = join(dir, 'narrow.config.mjs');
    writeFileSync(file, `export default { set: 'db', runner: 'golang-migrate', checks: ['fresh', 'twice', 'fault'], postgres: [16, 17], seed: 1, runnerOptions: { transactions: true } };\n`);
    const given = new Set(['checks', 'pg', 'seed']);
    const request = await requestFromConfig(
      file,
      { dir: '', runner: 'rerun-all', checks: ['fault'], postgres: [17], provider: 'embedded', options: { seed: 7, faults: ['error', 'terminate'] }, runnerOptions: {} },
      (flag) => given.has(flag),
    );
    expect(request).toMatchObject({
      dir: join(dir, 'db'),
      runner: 'golang-migrate',
      checks: ['fault'],
      postgres: [17],
      runnerOptions: { transactions: 'true' },
      options: { seed: 7 },
    });
  });

  it('keeps the command line options the config has no word for: --shard, --expected and --ignore', async () => {
    const file = join(dir, 'sharded.config.mjs');
    writeFileSync(file, `export default { set: 'db', runner: 'dbmate', checks: ['fault', 'expected'], seed: 3 };\n`);
    const given = new Set(['shard', 'expected', 'ignore']);
    const request = await requestFromConfig(
      file,
      {
        dir: '',
        runner: undefined as unknown as string,
        checks: ['fresh', 'twice'],
        postgres: [],
        provider: 'embedded',
        options: { shard: { index: 2, count: 4 }, expected: 'schema/expected', ignore: ['owners'], faults: ['error', 'terminate'] },
        runnerOptions: {},
      },
      (flag) => given.has(flag),
    );
    expect(request.options).toEqual({ seed: 3, faults: ['error', 'terminate'], shard: { index: 2, count: 4 }, expected: 'schema/expected', ignore: ['owners'] });
  });

  it('takes the server from the command line when it names one (--image, --url), not half from the config', async () => {
    const file = join(dir, 'container.config.mjs');
    writeFileSync(file, `export default { set: 'db', runner: 'dbmate', provider: 'container', image: 'postgres:{pg}-alpine' };\n`);
    const flags = (server: { provider: string; image?: string; url?: string }) => ({
      dir: '',
      runner: undefined as unknown as string,
      checks: ['fresh' as const],
      postgres: [],
      ...server,
      options: { faults: ['error' as const, 'terminate' as const] },
      runnerOptions: {},
    });
    const byUrl = await requestFromConfig(file, flags({ provider: 'url', url: 'postgres://me@db/postgres' }), (flag) => flag === 'url');
    expect(byUrl).toMatchObject({ provider: 'url', url: 'postgres://me@db/postgres' });
    expect(byUrl.image).toBeUndefined();
    const byImage = await requestFromConfig(file, flags({ provider: 'container', image: 'mine:{pg}' }), (flag) => flag === 'image');
    expect(byImage).toMatchObject({ provider: 'container', image: 'mine:{pg}' });
    const fromConfig = await requestFromConfig(file, flags({ provider: 'embedded' }), () => false);
    expect(fromConfig).toMatchObject({ provider: 'container', image: 'postgres:{pg}-alpine' });
    // The config's version was only the embedded default: the url's server says which it runs.
    const embedded = join(dir, 'embedded.config.mjs');
    writeFileSync(embedded, `export default { set: 'db', runner: 'dbmate' };\n`);
    expect((await requestFromConfig(embedded, flags({ provider: 'url', url: 'postgres://me@db/postgres' }), (flag) => flag === 'url')).postgres).toEqual([]);
    const pinned = join(dir, 'pinned.config.mjs');
    writeFileSync(pinned, `export default { set: 'db', runner: 'dbmate', postgres: 16 };\n`);
    expect((await requestFromConfig(pinned, flags({ provider: 'url', url: 'postgres://me@db/postgres' }), (flag) => flag === 'url')).postgres).toEqual([16]);
  });
});
