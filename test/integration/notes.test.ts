import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { Server } from '../../src/postgres/types.js';
import { runChecks, type RunRequest } from '../../src/index.js';
import type { CheckName, CheckResult } from '../../src/checks/types.js';
import { migtest, ROOT, type JsonReport } from '../helpers/cli.js';
import { tempFolder } from '../helpers/folders.js';
import { UNGUARDED_ROLE_BOOTSTRAP } from '../helpers/codd-bootstrap.js';

/*
 * What the tool always does after a failure is a note, not a finding: golang-migrate's dirty
 * version and codd's unrecorded CREATE DATABASE. The checks model the operator's documented
 * action and report a finding only when that recovery fails or ends elsewhere.
 */

const SETS = path.join(ROOT, 'migrations-under-test');
const MULTI = { 'multi-statement': 'true' };
const BOOTSTRAP = { database: 'orders', user: 'orders_owner' };

let server: Server;
beforeAll(async () => {
  server = await startEmbedded({ major: 17 });
});
afterAll(async () => {
  await server?.stop();
});

function request(dir: string, runner: string, checks: CheckName[], options: RunRequest['options'], runnerOptions: Record<string, string> = {}): RunRequest {
  return { dir, runner, checks, postgres: [17], provider: 'embedded', server, options, runnerOptions };
}

function only(report: { checks: CheckResult[] }, name: CheckName): CheckResult {
  return report.checks.find((c) => c.name === name)!;
}

describe('golang-migrate: a dirty version is a note; the forced recovery decides', () => {
  it('a non-atomic file (x-multi-statement, a bare ADD COLUMN first) fails fault, naming `migrate force 2` and `migrate up`', async () => {
    const report = await runChecks(request(path.join(SETS, 'golang-migrate-force/broken'), 'golang-migrate', ['fault'], { seed: 42 }, MULTI));
    const fault = only(report, 'fault');
    expect(report.ok).toBe(false);
    expect(fault.status).toBe('fail');
    expect(fault.findings).toHaveLength(1);
    const [finding] = fault.findings;
    expect(finding).toMatchObject({ sqlstate: '42701', line: 3 });
    expect(finding!.file).toMatch(/golang-migrate-force\/broken\/000003_add_account_plan\.up\.sql$/);
    expect(finding!.message).toContain(
      'after `migrate force 2` and `migrate up`: the run fails at migrations-under-test/golang-migrate-force/broken/000003_add_account_plan.up.sql:2:1 (ALTER TABLE accounts ADD COLUMN plan_id bigint REFERENCES plans (id)): column "plan_id" of relation "accounts" already exists',
    );
    expect(finding!.hint).toContain('wrap the file in BEGIN; … COMMIT;');
    // The refusal itself is no finding: it is the note.
    expect(fault.findings.some((f) => f.message.includes('refuses'))).toBe(false);
    expect(fault.notes).toHaveLength(1);
  });

  it('its atomic fix passes fault --exhaustive with one note for all its cases, and keeps ok', async () => {
    const report = await runChecks(request(path.join(SETS, 'golang-migrate-force/fixed'), 'golang-migrate', ['fresh', 'fault'], { exhaustive: true }, MULTI));
    const fault = only(report, 'fault');
    expect([fault.status, fault.findings.length]).toEqual(['pass', 0]);
    expect(fault.cases).toBeGreaterThan(20);
    expect(report.ok).toBe(true);
    expect(fault.notes).toEqual([
      {
        check: 'fault',
        file: 'migrations-under-test/golang-migrate-force/fixed/000001_create_plans.up.sql',
        message: expect.stringMatching(/^Dirty database version 1\. Fix and force version\. golang-migrate marks each version dirty before it runs the file/),
        action:
          'look at what 000001_create_plans left: none of it → `migrate force -1`; all of it (the process died before the version update, golang-migrate #325) → `migrate force 1`; then `migrate up`',
      },
    ]);
    expect(only(report, 'fresh').notes ?? []).toEqual([]);
  });

  it('a lost ack after a file committed (#325) under a supervisor: the retry is refused, and forcing the version the file left recovers', async () => {
    const report = await runChecks({
      ...request(path.join(SETS, 'golang-migrate-dirty/fixed'), 'golang-migrate', ['retry'], { seed: 42 }),
      retry: 'max 2 backoff constant 1s',
    });
    const retry = only(report, 'retry');
    expect([retry.status, retry.findings.length]).toEqual(['pass', 0]);
    expect(retry.notes?.map((n) => n.check)).toEqual(['retry']);
    expect(retry.notes![0]!.message).toMatch(/^Dirty database version 1\. Fix and force version\. /);
  });

  it('a note alone: exit code 0 and "ok": true on the command line', async () => {
    const result = await migtest([
      'check',
      'migrations-under-test/golang-migrate-dirty/fixed',
      '--runner',
      'golang-migrate',
      '--checks',
      'fault',
      '--seed',
      '42',
      '--format',
      'json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.name, c.status, c.findings.length])).toEqual([['fault', 'pass', 0]]);
  });
});

describe("codd: a CREATE DATABASE that ran but was never recorded is a note; `dropdb` and `codd up` decide", () => {
  it('codd-bootstrap/fixed: a crash after the bootstrap gives a note and no finding, since the recovery converges', async () => {
    const report = await runChecks(request(path.join(SETS, 'codd-bootstrap/fixed'), 'codd', ['resume'], { exhaustive: true }, BOOTSTRAP));
    const resume = only(report, 'resume');
    expect([resume.status, resume.cases, resume.findings.length]).toEqual(['pass', 3, 0]);
    expect(report.ok).toBe(true);
    expect(resume.notes).toHaveLength(1);
    expect(resume.notes![0]).toMatchObject({ check: 'resume', file: 'migrations-under-test/codd-bootstrap/fixed/2024-06-01-08-00-00-bootstrap.sql' });
    expect(resume.notes![0]!.message).toContain('whose CREATE DATABASE orders an earlier run committed before codd recorded the migration');
    expect(resume.notes![0]!.action).toMatch(/^`dropdb orders` \(with what the set put there\), then `codd up`/);
  });

  let dir = '';
  const folder = tempFolder('migtest-notes-codd-', (d) => (dir = d));

  it('a recovery that fails is a finding, named after the modelled action: a second role created without a guard', async () => {
    await folder.write(UNGUARDED_ROLE_BOOTSTRAP);
    const report = await runChecks(request(dir, 'codd', ['resume'], { exhaustive: true }, BOOTSTRAP));
    const resume = only(report, 'resume');
    expect(resume.status).toBe('fail');
    expect(resume.findings.length).toBeGreaterThan(0);
    for (const finding of resume.findings) {
      expect(finding.sqlstate).toBe('42710');
      expect(finding.message).toContain('after `dropdb orders` and `codd up`: the run fails at');
      expect(finding.message).toContain('2024-06-01-08-00-00-bootstrap.sql:5:1 (CREATE ROLE orders_reader): role "orders_reader" already exists');
    }
    expect(resume.notes?.map((n) => n.check)).toEqual(['resume']);
  });
});
