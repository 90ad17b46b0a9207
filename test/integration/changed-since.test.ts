import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migtest, type JsonReport } from '../helpers/cli.js';

/*
 * --changed-since on a temporary git repository: every check runs the whole set, and the report
 * keeps the findings of the files the branch added or changed since it left the ref, committed or
 * not. Each file here has its own lint finding (CREATE TABLE without IF NOT EXISTS under a runner
 * that runs every file at every boot), and the first file also fails twice.
 */

const repo = mkdtempSync(join(tmpdir(), 'migtest-changed-'));
afterAll(() => rmSync(repo, { recursive: true, force: true }));
const set = join(repo, 'db/migrations');

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
}

function write(name: string, text: string): void {
  writeFileSync(join(set, name), text);
}

mkdirSync(set, { recursive: true });
git('init', '-q', '-b', 'main');
write('000001_accounts.up.sql', 'CREATE TABLE accounts (id int PRIMARY KEY);\n');
write('000002_invoices.up.sql', 'CREATE TABLE IF NOT EXISTS invoices (id int PRIMARY KEY);\n');
git('add', '.');
git('commit', '-q', '-m', 'base');
// Commits on main after the branch left it are not the branch's change (merge-base semantics).
git('checkout', '-q', '-b', 'feature');
write('000002_invoices.up.sql', 'CREATE TABLE IF NOT EXISTS invoices (id int PRIMARY KEY);\nCREATE TABLE invoice_lines (id int PRIMARY KEY);\n');
git('commit', '-q', '-am', 'invoice lines');
git('checkout', '-q', 'main');
write('000001_accounts.up.sql', 'CREATE TABLE accounts (id int PRIMARY KEY, name text);\n');
git('commit', '-q', '-am', 'main moves on');
git('checkout', '-q', 'feature');
// Not committed, not even added: part of the change too.
write('000003_payments.up.sql', 'CREATE TABLE payments (id int PRIMARY KEY);\n');

const check = (...extra: string[]) => migtest(['check', set, '--runner', 'rerun-all', '--checks', 'lint,fresh,twice', ...extra], { cwd: repo });

describe('--changed-since', () => {
  it('reports only the findings of files changed since the merge base, and new untracked files; the header says so', async () => {
    const all = JSON.parse((await check('--format', 'json')).stdout) as JsonReport;
    const files = (report: JsonReport, name: string) => report.checks.find((c) => c.name === name)!.findings.map((f) => f.file);
    // Without the option: every file's lint finding, and twice fails at the first file.
    expect(files(all, 'lint').sort()).toEqual(['db/migrations/000001_accounts.up.sql', 'db/migrations/000002_invoices.up.sql', 'db/migrations/000003_payments.up.sql']);
    expect(files(all, 'twice')).toEqual(['db/migrations/000001_accounts.up.sql']);

    const result = await check('--changed-since', 'main', '--format', 'json');
    const changed = JSON.parse(result.stdout) as JsonReport & { changedSince: { ref: string; files: number } };
    expect(changed.changedSince).toEqual({ ref: 'main', files: 2 });
    expect(files(changed, 'lint').sort()).toEqual(['db/migrations/000002_invoices.up.sql', 'db/migrations/000003_payments.up.sql']);
    // twice ran the whole set: its one finding is in a file the branch did not touch.
    const twice = changed.checks.find((c) => c.name === 'twice')! as JsonReport['checks'][number] & { unreported?: number };
    expect(twice).toMatchObject({ status: 'pass', findings: [], unreported: 1 });

    const text = await check('--changed-since', 'main');
    expect(text.stdout).toContain('reporting findings in 2 files changed since main (every check runs the whole set)');
    expect(text.stdout).not.toContain('000001_accounts.up.sql:1');
    expect(text.stdout).toContain('000003_payments.up.sql:1');
    expect(text.code).toBe(1);
  });

  it('migtest lint --changed-since: every file is linted, only the changed files\' findings are reported', async () => {
    const lint = (...extra: string[]) => migtest(['lint', set, '--runner', 'rerun-all', ...extra], { cwd: repo });
    const report = JSON.parse((await lint('--changed-since', 'main', '--format', 'json')).stdout) as JsonReport & { changedSince: { ref: string; files: number } };
    expect(report.changedSince).toEqual({ ref: 'main', files: 2 });
    expect(report.checks[0]!.findings.map((f) => f.file).sort()).toEqual(['db/migrations/000002_invoices.up.sql', 'db/migrations/000003_payments.up.sql']);
    const text = await lint('--changed-since', 'main');
    expect(text.stdout).toContain('reporting findings in 2 files changed since main (every file is linted)');
    expect(text.stdout).not.toContain('000001_accounts.up.sql:1');
    expect(text.code).toBe(1);
    // Since HEAD: only what is not committed yet, the untracked third file.
    const uncommitted = JSON.parse((await lint('--changed-since', 'HEAD', '--format', 'json')).stdout) as JsonReport;
    expect(uncommitted.checks[0]!.findings.map((f) => f.file)).toEqual(['db/migrations/000003_payments.up.sql']);
  });

  it('a ref git does not know, or a folder outside git, is exit 2 with a fix', async () => {
    const bad = await check('--changed-since', 'no-such-branch');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--changed-since no-such-branch: git knows no commit by that name here');
    expect(bad.stderr).toContain('fix: give a branch, tag or commit this clone has');

    const outside = mkdtempSync(join(tmpdir(), 'migtest-nogit-'));
    try {
      writeFileSync(join(outside, '000001_a.up.sql'), 'CREATE TABLE IF NOT EXISTS a (id int);\n');
      const result = await migtest(['check', outside, '--runner', 'rerun-all', '--checks', 'lint', '--changed-since', 'main'], { cwd: outside, env: { GIT_CEILING_DIRECTORIES: tmpdir() } });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("the set's folder is not in a git work tree");
      expect(result.stderr).toContain('fix: run migtest where the set is checked out with git, or leave out --changed-since');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
