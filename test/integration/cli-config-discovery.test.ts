import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migtest, ROOT, type JsonReport } from '../helpers/cli.js';

/*
 * A service repository with a migtest.config.ts at its root, run from a folder deep inside it as
 * a developer would: every command finds the config upward, the command line replaces what it
 * names, and a bad config stops every command with exit 2 naming the file and line.
 */

const scratch = mkdtempSync(join(tmpdir(), 'migtest-cli-config-'));
const repo = join(scratch, 'service');
const deep = join(repo, 'services', 'billing');
const config = join(repo, 'migtest.config.ts');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

beforeAll(() => {
  // schema-drift/broken: fresh passes; expected against the committed schema gives three findings.
  cpSync(join(ROOT, 'migrations-under-test/schema-drift/broken'), join(repo, 'db/migrations'), { recursive: true });
  cpSync(join(ROOT, 'migrations-under-test/schema-drift/expected-schema'), join(repo, 'db/schema'), { recursive: true });
  mkdirSync(deep, { recursive: true });
  // TypeScript, read through jiti: the checks listed and a folder for expected, which must not be dropped.
  writeFileSync(
    config,
    [
      `const checks: ('fresh' | 'twice')[] = ['fresh'];`,
      `export default {`,
      `  set: 'db/migrations',`,
      `  runner: 'golang-migrate',`,
      `  checks,`,
      `  expected: 'db/schema',`,
      `  statementTimeout: '30s',`,
      `};`,
      '',
    ].join('\n'),
  );
});

const json = (stdout: string): JsonReport => JSON.parse(stdout) as JsonReport;

describe('a config found upward from the current folder', () => {
  it('`migtest` alone runs the configured checks, expected included, and names the config under the header', async () => {
    const result = await migtest([], { cwd: deep });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('runner golang-migrate');
    // Outside the current folder, a path is shown absolute (src/report/paths.ts).
    expect(result.stdout).toContain(`config ${config}\n`);
    expect(result.stdout).toMatch(/✓ fresh +pg 17/);
    expect(result.stdout).toMatch(/✗ expected +pg 17/);
    expect(result.stdout).toContain('index:public.orders_customer_id_idx');
    expect(result.stdout).toContain('FAIL 1 of 2 checks failed, 3 findings');
    expect(result.code).toBe(1);
  });

  it('lets the command line replace the config: --checks, --pg and --ignore; --quiet prints the failure and the verdict only', async () => {
    const only = await migtest(['check', '--checks', 'fresh', '--format', 'json'], { cwd: deep });
    expect(only.code).toBe(0);
    expect(json(only.stdout).checks.map((c) => c.name)).toEqual(['fresh']);

    const quiet = await migtest(['--quiet', '--pg', '16', '--ignore', 'owners'], { cwd: deep });
    expect(quiet.code).toBe(1);
    expect(quiet.stdout).not.toContain('migtest 0.1.0');
    expect(quiet.stdout).not.toContain('ready in');
    expect(quiet.stdout).not.toMatch(/✓ fresh/);
    expect(quiet.stdout).not.toContain('started');
    expect(quiet.stdout).toContain('--ignore owners');
    expect(quiet.stdout.split('\n')[0]).toMatch(/^ {2}✗ expected +pg 16/);
    expect(quiet.stdout).toMatch(/\nFAIL 1 of 2 checks failed, 3 findings\n$/);
  });

  it('lint reads the set and runner of the config; --config names one from elsewhere; --no-config uses none', async () => {
    const lint = await migtest(['lint', '--format', 'json'], { cwd: deep });
    expect([0, 1]).toContain(lint.code);
    expect(json(lint.stdout)).toMatchObject({ runner: 'golang-migrate', set: join(repo, 'db/migrations') });

    const named = await migtest(['lint', '--config', config, '--format', 'json']);
    expect(json(named.stdout).runner).toBe('golang-migrate');

    const none = await migtest(['check', '--no-config'], { cwd: deep });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('migtest: check needs the folder of a migration set and --runner <model>, or a migtest config');
    expect(none.stderr).toContain('  fix: run migtest check <dir> --runner <model>');
  });

  it("snapshot writes to the config's expected folder by default, and to --out when given", async () => {
    const out = join(scratch, 'snap');
    const given = await migtest(['snapshot', '--out', out], { cwd: deep });
    expect(given.stderr).toBe('');
    expect(given.code).toBe(0);
    expect(readdirSync(out)).toEqual(['pg17']);

    const byConfig = await migtest(['snapshot'], { cwd: deep });
    expect(byConfig.code).toBe(0);
    expect(byConfig.stdout).toContain(`WROTE ${join(repo, 'db/schema/pg17')}`);
    // The committed schema is now the set's own: expected passes.
    const again = await migtest(['check', '--format', 'json'], { cwd: deep });
    expect(json(again.stdout).checks.map((c) => [c.name, c.status])).toEqual([
      ['fresh', 'pass'],
      ['expected', 'pass'],
    ]);
  });
});

describe('a config that is wrong', () => {
  const bad = join(scratch, 'bad');
  const file = join(bad, 'migtest.config.mjs');
  beforeAll(() => {
    mkdirSync(join(bad, 'sub'), { recursive: true });
    writeFileSync(file, `export default {\n  set: 'db',\n  runner: 'dbmate',\n  ignore: ['owner'],\n};\n`);
  });

  it('stops every command with exit 2, naming the file and the line, with a fix line', async () => {
    for (const args of [[], ['lint'], ['snapshot'], ['run', 'scenarios/certctl-double-run']]) {
      const result = await migtest(args, { cwd: join(bad, 'sub') });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(`migtest: ${file}:4:3: ignore: ignore takes column-order, owners, privileges (one, or a list)\n  fix: see docs/config.md`);
    }
  });

  it('refuses two configs in one folder, and names a missing --config file', async () => {
    writeFileSync(join(bad, 'migtest.config.js'), 'export default {};\n');
    const two = await migtest(['lint'], { cwd: bad });
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('two migtest configs in one folder: migtest.config.mjs and migtest.config.js');
    rmSync(join(bad, 'migtest.config.js'));
    const missing = await migtest(['lint', '--config', 'nowhere/migtest.config.ts', '--format', 'json']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).error).toMatchObject({ message: 'no config file nowhere/migtest.config.ts' });
    expect(existsSync(join(ROOT, 'nowhere'))).toBe(false);
  });
});

describe('colour when piped', () => {
  it('FORCE_COLOR colours a pipe; NO_COLOR wins over it', async () => {
    const args = ['lint', join(ROOT, 'migrations-under-test/schema-drift/fixed'), '--runner', 'golang-migrate'];
    const forced = await migtest(args, { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain('\x1b[1m');
    const plain = await migtest(args, { env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    expect(plain.stdout).not.toContain('\x1b[');
    const off = await migtest(args, { env: { NO_COLOR: '', FORCE_COLOR: '0' } });
    expect(off.stdout).not.toContain('\x1b[');
  });
});

describe('the output settings of a config', () => {
  const app = join(scratch, 'output');
  beforeAll(() => {
    cpSync(join(ROOT, 'migrations-under-test/certctl-double-run/fixed'), join(app, 'db'), { recursive: true });
    mkdirSync(join(app, 'src'), { recursive: true });
  });

  // Shard 2 of 2 with single-case checks only: the run needs no server.
  it("writes the config's format to its out (relative to the config); --format on the command line replaces both", async () => {
    writeFileSync(join(app, 'migtest.config.mjs'), `export default { set: 'db', runner: 'rerun-all', checks: ['fresh'], format: 'junit', out: 'results/migtest.xml' };\n`);
    const configured = await migtest(['check', '--shard', '2/2'], { cwd: join(app, 'src') });
    expect(configured.stderr).toBe('');
    expect(configured.code).toBe(0);
    expect(configured.stdout).toBe('');
    expect(existsSync(join(app, 'results/migtest.xml'))).toBe(true);
    rmSync(join(app, 'results'), { recursive: true });

    const replaced = await migtest(['check', '--shard', '2/2', '--format', 'json'], { cwd: join(app, 'src') });
    expect(json(replaced.stdout).ok).toBe(true);
    expect(existsSync(join(app, 'results'))).toBe(false);
  });

  it('refuses a log and a file format without out, naming the config', async () => {
    const file = join(app, 'migtest.config.mjs');
    writeFileSync(file, `export default { set: 'db', runner: 'rerun-all', format: 'github,junit' };\n`);
    const result = await migtest(['check', '--shard', '2/2'], { cwd: join(app, 'src') });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`migtest: ${file}:1:50: format 'github,junit' with no out\n  fix: `);
  });
});

describe('a config whose expected folder is missing', () => {
  it('is refused at the config line that names it, before any server starts', async () => {
    const app = join(scratch, 'no-schema');
    cpSync(join(ROOT, 'migrations-under-test/certctl-double-run/fixed'), join(app, 'db'), { recursive: true });
    const file = join(app, 'migtest.config.mjs');
    writeFileSync(file, `export default {\n  set: 'db',\n  runner: 'rerun-all',\n  expected: 'schema',\n};\n`);
    const result = await migtest([], { cwd: app });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      // Inside the current folder, paths are shown relative to it.
      "migtest: migtest.config.mjs:4:3: expected: no expected-schema folder schema for check expected\n" +
        "  fix: write it with npx migtest snapshot (it writes to the config's expected folder), review and commit it; or correct expected\n",
    );
  });
});
