import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const EXAMPLE = join(ROOT, 'examples/service-repo');
/** How vitest names the example's migtest tests: file, suite, version. */
const SUITE = 'test/migrations.test.ts > migtest db/migrations (rerun-all) > PostgreSQL 17';

interface TestRun {
  code: number | null;
  output: string;
}

/** The command lines of running processes that mention `text` (a server left behind would). */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(text)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

describe('examples/service-repo: its own npm test runs migtest', () => {
  let repo = '';
  let clusters = '';

  beforeAll(() => {
    const scratch = mkdtempSync(join(tmpdir(), 'migtest-example-'));
    // As root, the server runs as the migtest user, which must reach its cluster folder.
    chmodSync(scratch, 0o755);
    repo = join(scratch, 'service-repo');
    cpSync(EXAMPLE, repo, { recursive: true, filter: (source) => !source.includes('/node_modules') });
    // What `npm install` would give, without the network: migtest (built: pretest ran tsc) and the
    // root's vitest, linked as `"migtest": "file:../.."` is.
    mkdirSync(join(repo, 'node_modules/.bin'), { recursive: true });
    symlinkSync(ROOT, join(repo, 'node_modules/migtest'));
    symlinkSync(join(ROOT, 'node_modules/vitest'), join(repo, 'node_modules/vitest'));
    symlinkSync('../vitest/vitest.mjs', join(repo, 'node_modules/.bin/vitest'));
    // The servers' clusters go here, so that the test can see each was removed.
    clusters = join(scratch, 'clusters');
    mkdirSync(clusters);
    chmodSync(clusters, 0o777);
  });

  afterAll(() => {
    if (repo) rmSync(join(repo, '..'), { recursive: true, force: true });
  });

  function npmTest(): Promise<TestRun> {
    return new Promise((resolve, reject) => {
      const child = spawn('npm', ['test', '--', '--reporter=verbose'], {
        cwd: repo,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1', MIGTEST_TMPDIR: clusters },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
    });
  }

  function expectNothingLeftBehind(): void {
    expect(readdirSync(clusters)).toEqual([]);
    expect(processesMentioning(clusters)).toEqual([]);
  }

  it('passes with the repo as it is, each check its own test', async () => {
    const run = await npmTest();
    for (const check of ['fresh', 'twice', 'lint']) expect(run.output).toContain(`✓ ${SUITE} > ${check}`);
    expect(run.output).toContain('✓ test/migrate.test.ts > boot-time migrations');
    expect(run.output).toMatch(/Tests\s+4 passed \(4\)/);
    expect(run.code, run.output).toBe(0);
    expectNothingLeftBehind();
  });

  it('fails when an unguarded ADD CONSTRAINT is added: twice names the file, 42710 and the command', async () => {
    writeFileSync(
      join(repo, 'db/migrations/000004_tags_name_lower.up.sql'),
      '-- Tag names are lower case.\nALTER TABLE tags ADD CONSTRAINT tags_name_lower CHECK (name = lower(name));\n',
    );
    const run = await npmTest();
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain(`FAIL  ${SUITE} > twice`);
    expect(run.output).toContain('twice failed on PostgreSQL 17: 1 finding');
    expect(run.output).toContain('db/migrations/000004_tags_name_lower.up.sql:2:1');
    expect(run.output).toContain('42710 constraint "tags_name_lower" for relation "tags" already exists');
    expect(run.output).toContain('reproduce: npx migtest check db/migrations --runner rerun-all --checks twice --pg 17');
    // The static rule sees it too, without a server; the first boot still works.
    expect(run.output).toContain(`FAIL  ${SUITE} > lint`);
    expect(run.output).toContain(`✓ ${SUITE} > fresh`);
    expect(run.output).toMatch(/Tests\s+2 failed \| 2 passed \(4\)/);
    expectNothingLeftBehind();
  });
});
