import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const exec = promisify(execFile);

/** Runs a command in `cwd`; resolves with its code and output whatever the code. */
async function sh(file: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(file, args, { cwd, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

/**
 * migtest as a user gets it: `npm pack` of this tree (built by pretest; --ignore-scripts, so the
 * pack does not rebuild dist/ under other test files running the CLI), installed from the tarball
 * into a new project through the npm registry, as `npm install` would.
 */
describe('the packed tarball, installed into a new project', () => {
  const work = mkdtempSync(join(tmpdir(), 'migtest-pack-'));
  // As root, the embedded server runs as the user 'migtest', which must reach the binaries.
  chmodSync(work, 0o755);
  const project = join(work, 'project');
  let files: string[] = [];
  const started = Date.now();

  beforeAll(async () => {
    const packed = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
    expect(packed.code, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    files = info!.files.map((file) => file.path);
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2));
    const installed = await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, info!.filename)], project);
    expect(installed.code, installed.stderr).toBe(0);
  }, 600_000);

  afterAll(() => {
    // What a user's install weighs, for the record (the embedded binaries are most of it).
    const size = spawnSync('du', ['-sm', join(project, 'node_modules')], { encoding: 'utf8' }).stdout.split('\t')[0];
    rmSync(work, { recursive: true, force: true });
    console.log(`packed-tarball test: ${((Date.now() - started) / 1000).toFixed(1)} s, install ${size} MB`);
  });

  it('ships its licence, changelog and docs, and no source maps pointing at an unshipped src/', () => {
    for (const name of ['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json', 'bin/migtest.js', 'dist/index.js', 'dist/index.d.ts', 'dist/vitest.d.ts', 'docs/json.md', 'docs/service-repo.md', 'docs/scenarios.md']) {
      expect(files).toContain(name);
    }
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(files.filter((file) => file.startsWith('src/') || file.startsWith('test/'))).toEqual([]);
  });

  it('leaves testcontainers out of the install (an optional peer dependency)', () => {
    const modules = readdirSync(join(project, 'node_modules'));
    expect(modules).not.toContain('testcontainers');
    expect(modules).toContain('@types');
  });

  it('npx migtest check passes a fixed set on the embedded default', async () => {
    cpSync(join(ROOT, 'migrations-under-test/certctl-double-run/fixed'), join(project, 'db'), { recursive: true });
    const result = await sh('npx', ['--no-install', 'migtest', 'check', 'db', '--runner', 'rerun-all', '--checks', 'fresh,twice'], project);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^PASS 2 checks passed/m);
  }, 120_000);

  it('--provider container without testcontainers is exit 2 with the install line', async () => {
    const result = await sh('npx', ['--no-install', 'migtest', 'check', 'db', '--runner', 'rerun-all', '--checks', 'fresh', '--provider', 'container'], project);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('needs the npm package testcontainers');
    expect(result.stderr).toContain('fix: npm install --save-dev testcontainers@11 @testcontainers/postgresql@11');
  }, 120_000);

  it('its typings compile for a strict consumer without skipLibCheck', async () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false }, include: ['check.ts'] }),
    );
    writeFileSync(
      join(project, 'check.ts'),
      [
        "import { defineConfig, runChecks, startEmbedded, type RunReport } from 'migtest';",
        "import { migtestSuite } from 'migtest/vitest';",
        "const config = defineConfig({ set: 'db', runner: 'rerun-all', checks: ['fresh', 'twice'], postgres: [17] });",
        'export const register = (): void => migtestSuite(config);',
        'export const start: typeof startEmbedded = startEmbedded;',
        'export type Report = RunReport;',
        'export const run: typeof runChecks = runChecks;',
        '',
      ].join('\n'),
    );
    const result = await sh(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], project);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);
});
