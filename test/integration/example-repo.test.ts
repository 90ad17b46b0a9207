import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, type JsonReport } from '../helpers/cli.js';
import { leftBehind, linkDependencies, runIn } from '../helpers/service-repo.js';

const EXAMPLE = join(ROOT, 'examples/service-repo');
/** How vitest names the example's migtest tests: file, suite, version; lint is one test of the set, beside the versions. */
const SET = 'test/migrations.test.ts > migtest db/migrations (rerun-all)';
const SUITE = `${SET} > PostgreSQL 17`;
const testName = (check: string): string => (check === 'lint' ? `${SET} > lint` : `${SUITE} > ${check}`);

describe('examples/service-repo: its own npm test runs migtest', () => {
  let repo = '';
  let clusters = '';

  beforeAll(() => {
    const scratch = mkdtempSync(join(tmpdir(), 'migtest-example-'));
    repo = join(scratch, 'service-repo');
    cpSync(EXAMPLE, repo, { recursive: true, filter: (source) => !source.includes('/node_modules') });
    clusters = linkDependencies(repo);
  });

  afterAll(() => {
    if (repo) rmSync(join(repo, '..'), { recursive: true, force: true });
  });

  // The example's own npm test; verbose, so that every test is listed, passed or not.
  const npmTest = () => runIn(repo, 'npm', ['test', '--', '--reporter=verbose'], clusters);

  function expectNothingLeftBehind(): void {
    expect(leftBehind(clusters)).toEqual([]);
  }

  it('passes with the repo as it is, each check its own test', async () => {
    const run = await npmTest();
    for (const check of ['fresh', 'twice', 'lint']) expect(run.output).toContain(`✓ ${testName(check)}`);
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
    expect(run.output).toContain(`FAIL  ${testName('lint')}`);
    expect(run.output).toContain(`✓ ${SUITE} > fresh`);
    expect(run.output).toMatch(/Tests\s+2 failed \| 2 passed \(4\)/);
    expectNothingLeftBehind();
  });

  it('the command line reads the same migtest.config.ts, narrowed by the options given beside it', async () => {
    const run = await runIn(repo, process.execPath, [join(ROOT, 'bin/migtest.js'), 'check', '--config', 'migtest.config.ts', '--checks', 'twice', '--format', 'json'], clusters);
    expect(run.code, run.output).toBe(1);
    const report = JSON.parse(run.output.slice(run.output.indexOf('{'))) as JsonReport;
    expect(report).toMatchObject({ set: 'db/migrations', runner: 'rerun-all', ok: false });
    expect(report.checks.map((c) => `${c.name} ${c.status}`)).toEqual(['twice fail']);
    expect(report.checks[0]!.findings[0]).toMatchObject({ file: 'db/migrations/000004_tags_name_lower.up.sql', line: 2, sqlstate: '42710' });
    expectNothingLeftBehind();
  });
});
