import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/types.js';
import { migtest, ROOT } from '../helpers/cli.js';
import { sharedServer } from '../helpers/shared-server.js';

// `fault` and `resume` with `--direction down` on a real PostgreSQL: a fault inside a down section
// leaves what its transaction rule promises, and the next step down (after the operator's way out
// when the tool refuses) reaches the state before the migration, or it is a finding.

const shared = sharedServer();
const SETS = path.join(ROOT, 'migrations-under-test');
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

async function downward(dir: string, runner: string, check: 'fault' | 'resume', runnerOptions: Record<string, string> = {}): Promise<CheckResult> {
  const report = await shared.runInCore({ dir, runner, runnerOptions, checks: [check], options: { direction: 'down', exhaustive: true } });
  return report.checks.find((c) => c.name === check)!;
}

const brief = (result: CheckResult): [string | null, number | null, string | null][] =>
  result.findings.map((f) => [path.basename(f.file ?? ''), f.line, f.sqlstate]);

/** A golang-migrate set whose second down has two statements, neither of which can run twice. */
function twoStatementDown(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'migtest-down-faults-'));
  scratch.push(dir);
  writeFileSync(path.join(dir, '000001_accounts.up.sql'), 'CREATE TABLE accounts (id int PRIMARY KEY);\n');
  writeFileSync(path.join(dir, '000001_accounts.down.sql'), 'DROP TABLE accounts;\n');
  writeFileSync(path.join(dir, '000002_notes.up.sql'), 'CREATE TABLE notes (id int PRIMARY KEY, body text);\nCREATE INDEX notes_body ON notes (body);\n');
  writeFileSync(path.join(dir, '000002_notes.down.sql'), 'DROP INDEX notes_body;\nDROP TABLE notes;\n');
  return dir;
}

describe('fault and resume --direction down', () => {
  it('dbmate-down-crash/broken: a rollback stopped between the section and its row fails the next time with 42704', async () => {
    const dir = path.join(SETS, 'dbmate-down-crash/broken');
    const resume = await downward(dir, 'dbmate', 'resume');
    expect(resume.status).toBe('fail');
    expect(resume.cases).toBe(2);
    expect(brief(resume)).toEqual([['20240601091000_index_session_tokens.sql', 6, '42704']]);
    expect(resume.findings[0]!.message).toContain('before `dbmate rollback` recorded it');
    expect(resume.findings[0]!.hint).toContain('IF EXISTS');
    expect(resume.findings[0]!.reproduce).toContain('--checks resume');
    expect(resume.findings[0]!.reproduce).toContain('--direction down');

    const fault = await downward(dir, 'dbmate', 'fault');
    expect(fault.cases).toBe(8);
    expect(brief(fault)).toEqual([['20240601091000_index_session_tokens.sql', 6, '42704']]);
    // Both kinds after the last statement: one root cause.
    expect(fault.findings[0]!.cases).toBe(2);
  });

  it('dbmate-down-crash/fixed passes both', async () => {
    const dir = path.join(SETS, 'dbmate-down-crash/fixed');
    expect((await downward(dir, 'dbmate', 'resume')).status).toBe('pass');
    expect((await downward(dir, 'dbmate', 'fault')).status).toBe('pass');
  });

  it('in-transaction downs (dbmate, cigogne, golang-migrate transactions=true) roll back whole: the next step converges', async () => {
    for (const [set, runner, options] of [
      ['dbmate-down/fixed', 'dbmate', {}],
      ['cigogne-down/fixed', 'cigogne', {}],
      ['golang-migrate-down/fixed', 'golang-migrate', { transactions: 'true' }],
    ] as const) {
      const result = await downward(path.join(SETS, set), runner, 'fault', options);
      expect(result.status, `${set} ${JSON.stringify(options)}`).toBe('pass');
      expect(result.cases).toBeGreaterThan(0);
    }
  });

  it('golang-migrate with multi-statement: a fault between two pieces leaves the first done, and no `migrate force` recovers', async () => {
    const dir = twoStatementDown();
    const result = await downward(dir, 'golang-migrate', 'fault', { 'multi-statement': 'true' });
    expect(result.status).toBe('fail');
    const finding = result.findings.find((f) => f.message.includes('before statement 2'))!;
    expect(finding.message).toContain('after `migrate force 2` and `migrate down 1`');
    expect(finding.sqlstate).toBe('42704');
    expect([path.basename(finding.file ?? ''), finding.line]).toEqual(['000002_notes.down.sql', 2]);
    // One string (no multi-statement): the implicit transaction rolls the file back, and after
    // `migrate force 2` the step runs it again whole.
    expect((await downward(dir, 'golang-migrate', 'fault')).status).toBe('pass');
  });

  it('a tool without downs is skipped with the reason; --direction down without fault or resume is refused', async () => {
    const result = await downward(path.join(SETS, 'certctl-double-run/fixed'), 'rerun-all', 'resume');
    expect(result.status).toBe('skip');
    expect(result.reason).toContain('has no down migrations');
    const refused = await migtest(['check', path.join(SETS, 'dbmate-down/fixed'), '--runner', 'dbmate', '--checks', 'twice', '--direction', 'down']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--direction down applies to checks fault and resume');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  });
});
