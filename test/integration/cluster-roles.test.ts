import { describe, expect, it } from 'vitest';
import { jsonRun } from '../helpers/cli.js';

/*
 * Roles are the server's: a role one case's run made must not be there when another case starts
 * from a state before its CREATE ROLE (src/checks/lineage.ts). Under golang-migrate a bare CREATE
 * ROLE runs once per database, which is right; before roles were per case, every fault and crash
 * case after the first failed with 42710 (false findings), and a fault case could not run at all.
 */
const run = jsonRun;

describe('roles a set creates are per case', () => {
  it('a bare CREATE ROLE under a tracked runner: fault and resume at every boundary find nothing', async () => {
    const { code, report } = await run([
      'check', 'migrations-under-test/role-rerun/broken', '--runner', 'golang-migrate', '--checks', 'resume,fault', '--exhaustive', '--pg', '17',
    ]);
    expect(report.checks.map((c) => [c.name, c.status, c.findings.map((f) => f.message)])).toEqual([
      ['resume', 'pass', []],
      ['fault', 'pass', []],
    ]);
    // Every boundary of both files was a case: the check ran, it did not skip.
    expect(report.checks[1]!.cases).toBeGreaterThanOrEqual(6);
    expect(code).toBe(0);
  }, 240_000);

  it('under rerun-all the same file is a true finding: the second run fails with 42710 at the CREATE ROLE', async () => {
    const { code, report } = await run(['check', 'migrations-under-test/role-rerun/broken', '--runner', 'rerun-all', '--checks', 'twice', '--pg', '17']);
    const twice = report.checks.find((c) => c.name === 'twice')!;
    expect(twice.findings.map((f) => [f.sqlstate, f.line])).toEqual([['42710', 2]]);
    expect(code).toBe(1);
  }, 120_000);
});
