import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { leftBehind, linkDependencies, runIn } from '../helpers/service-repo.js';

/**
 * migtest/vitest inside another project's vitest run: one describe per version, one test per
 * check with its own verdict, a failed run told without a stack, a check that cannot run failed.
 */
describe('migtest/vitest in a project of its own', () => {
  let repo = '';
  let clusters = '';
  let run: { code: number | null; output: string };

  beforeAll(async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'migtest-vitest-helper-'));
    repo = join(scratch, 'project');
    mkdirSync(join(repo, 'db'), { recursive: true });
    mkdirSync(join(repo, 'test'));
    writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'project', private: true, type: 'module' }));
    // fresh fails on the first statement, so twice has nothing to run again.
    writeFileSync(join(repo, 'db/000001_divide.up.sql'), 'CREATE TABLE IF NOT EXISTS t (x int);\nSELECT 1 / 0;\n');
    const broken = join(ROOT, 'migrations-under-test/certctl-double-run/broken');
    writeFileSync(
      join(repo, 'test/checks.test.ts'),
      [
        `import { migtestSuite } from 'migtest/vitest';`,
        `import { defineConfig } from 'migtest';`,
        `migtestSuite(defineConfig({ set: ${JSON.stringify(broken)}, runner: 'rerun-all', checks: ['fresh', 'twice'], postgres: [16, 17] }), { name: 'certctl' });`,
        `migtestSuite({ set: 'db', runner: 'rerun-all', checks: ['fresh', 'twice'] }, { name: 'divide' });`,
        `migtestSuite({ set: 'no-such-folder', runner: 'rerun-all' }, { name: 'absent' });`,
        `migtestSuite({ set: ${JSON.stringify(broken)}, runner: 'rerun-all', checks: ['lint'], postgres: [16, 17] }, { name: 'lint once' });`,
        '',
      ].join('\n'),
    );
    clusters = linkDependencies(repo);
    run = await runIn(repo, join(repo, 'node_modules/.bin/vitest'), ['run', '--reporter=verbose'], clusters);
  });

  afterAll(() => {
    if (repo) rmSync(join(repo, '..'), { recursive: true, force: true });
  });

  it('registers one describe per PostgreSQL version and one test per check, each with its own verdict', () => {
    for (const major of [16, 17]) {
      expect(run.output).toContain(`✓ test/checks.test.ts > certctl > PostgreSQL ${major} > fresh`);
      expect(run.output).toContain(`× test/checks.test.ts > certctl > PostgreSQL ${major} > twice`);
      expect(run.output).toContain(`FAIL  test/checks.test.ts > certctl > PostgreSQL ${major} > twice\nMigtestFindings: twice failed on PostgreSQL ${major}: 1 finding`);
      expect(run.output).toContain(`reproduce: npx migtest check ${join(ROOT, 'migrations-under-test/certctl-double-run/broken')} --runner rerun-all --checks twice --pg ${major}`);
    }
    expect(run.output).toContain('000004_certificate_constraints.up.sql:2:1');
    expect(run.output).toContain('42710 constraint "certificates_status_check" for relation "certificates" already exists');
    expect(run.code).toBe(1);
  });

  it('resolves a plain object config against the current directory, and fails a check that cannot run (never a skip that passes)', () => {
    expect(run.output).toContain('× test/checks.test.ts > divide > PostgreSQL 17 > fresh');
    expect(run.output).toContain('db/000001_divide.up.sql:2:1');
    expect(run.output).toContain('22012 division by zero');
    expect(run.output).toContain('× test/checks.test.ts > divide > PostgreSQL 17 > twice');
    expect(run.output).toContain(
      'MigtestFindings: twice failed on PostgreSQL 17: cannot run: the set does not apply to an empty database (the first run fails), 1 finding',
    );
    expect(run.output).toContain('22012 the first run fails here, so twice cannot run: division by zero');
    expect(run.output).not.toContain('↓ test/checks.test.ts');
  });

  it('fails every check of a run that cannot start, with the reason and no stack', () => {
    for (const check of ['fresh', 'twice']) expect(run.output).toContain(`× test/checks.test.ts > absent > PostgreSQL 17 > ${check}`);
    // vitest prints the one error under both tests' names; the fix follows it, then the rule: no stack.
    expect(run.output).toMatch(
      /FAIL {2}test\/checks\.test\.ts > absent > PostgreSQL 17 > fresh\n FAIL {2}test\/checks\.test\.ts > absent > PostgreSQL 17 > twice\nMigtestError: no-such-folder: the migration folder does not exist\n {2}fix: [^\n]+\n⎯/,
    );
    expect(run.output).toMatch(/Tests\s+7 failed \| 2 passed \(9\)/);
  });

  it('runs lint once for the set, not once per PostgreSQL version', () => {
    expect(run.output).toContain('× test/checks.test.ts > lint once > lint');
    expect(run.output).not.toMatch(/lint once > PostgreSQL/);
    expect(run.output).toContain('MigtestFindings: lint failed: 3 findings');
    expect(run.output).toContain('add-constraint-unguarded');
  });

  it('leaves no server and no cluster behind', () => {
    expect(leftBehind(clusters)).toEqual([]);
  });
});
