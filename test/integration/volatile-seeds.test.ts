import { describe, expect, it } from 'vitest';
import { migtest, type JsonReport } from '../helpers/cli.js';
import { describeScenarios, scenarioRun } from './scenario-suite.js';

// Values PostgreSQL makes anew in every run (random uuids, now() and clock_timestamp() defaults, a
// trigger's clock_timestamp(), serial ids that re-runs move on, keys to them) are no findings;
// a seed that inserts its row again still is, in every check that makes a run do it again.

const SETS = 'migrations-under-test/volatile-seeds';

async function run(args: string[]): Promise<{ code: number | null; report: JsonReport; stdout: string }> {
  const result = await migtest(args);
  if (result.code === 2) throw new Error(result.stderr);
  return { code: result.code, report: JSON.parse(result.stdout) as JsonReport, stdout: result.stdout };
}

// The scenario runs both sets with fresh, twice, resume, fault and retry on every case (its
// predictions, and its reproduce commands); what follows looks closer at that same run.
describeScenarios(['volatile-seeds']);

async function reportOf(set: 'broken' | 'fixed') {
  const { report } = await scenarioRun('volatile-seeds');
  const found = report.sets.find((s) => s.set === set)?.report;
  expect(found, `the scenario ran ${set}`).toBeDefined();
  return found!;
}

describe('volatile-seeds under rerun-all, every case', () => {
  it('fixed: passes fresh, twice, resume, fault and retry', async () => {
    const report = await reportOf('fixed');
    expect(report.checks.map((c) => [c.name, c.status, c.findings.length])).toEqual([
      ['fresh', 'pass', 0],
      ['twice', 'pass', 0],
      ['resume', 'pass', 0],
      ['fault', 'pass', 0],
      ['retry', 'pass', 0],
    ]);
    // 6 files; 2 fault kinds at each of 6 + 12 boundaries.
    expect(report.checks.map((c) => c.cases).slice(2, 4)).toEqual([6, 36]);
    expect(report.ok).toBe(true); // exit 0
  });

  it('broken: the seed without a guard is found by twice, resume, fault and retry, and by nothing else, each at the seed', async () => {
    const report = await reportOf('broken');
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['fresh', 'pass'],
      ['twice', 'fail'],
      ['resume', 'fail'],
      ['fault', 'fail'],
      ['retry', 'fail'],
    ]);
    for (const check of report.checks.slice(1)) {
      for (const f of check.findings) {
        // Only the welcome message doubles: no uuid, timestamp or serial id is a difference.
        expect(f.diff?.map((d) => [d.path, (d.expected as { rows: number }).rows, (d.found as { rows: number }).rows])).toEqual([
          ['data:public.welcome_messages', 1, 2],
        ]);
        // Every check names the INSERT that wrote the second row, wherever its case was.
        expect([f.file, f.line, f.column], f.message).toEqual([`${SETS}/broken/000005_create_welcome_messages.up.sql`, 8, 1]);
        if (check.name === 'twice') {
          // twice compares exactly: the same database before and after.
          expect(f.detail ?? null).toBeNull();
        } else {
          expect(f.message).toContain(`written by ${SETS}/broken/000005_create_welcome_messages.up.sql:8:1`);
          expect(f.detail).toBe(
            'values of public.welcome_messages.created_at, public.welcome_messages.tenant_id compared by shape (NULL or not): they differ between two fresh runs',
          );
          expect(f.diff![0]!.found).toMatchObject({ unmatched: [{ body: 'Welcome to Acme!', created_at: '(any)', tenant_id: '(any)' }], unmatchedRows: 1 });
        }
      }
    }
    // The fault's own boundary stays in the case: the first file the next run does again after the seed.
    const fault = report.checks.find((c) => c.name === 'fault')!.findings[0]!;
    expect(fault.case).toMatchObject({ block: 5, at: 0, point: { file: `${SETS}/broken/000006_create_subscriptions.up.sql`, line: 2 } });
    expect(report.ok).toBe(false); // exit 1
  });
});

describe('one verdict per seed', () => {
  it('fault --exhaustive with one seed, five times: the same JSON, durations aside', async () => {
    // Five processes at once, each with its own server: the verdict must not depend on timing.
    const runs = await Promise.all(
      Array.from({ length: 5 }, () => run(['check', `${SETS}/broken`, '--runner', 'rerun-all', '--checks', 'fault', '--exhaustive', '--seed', '5', '--format', 'json'])),
    );
    const outputs = runs.map(({ report }) => {
      for (const check of report.checks) (check as { durationMs?: number }).durationMs = 0;
      return JSON.stringify(report, null, 2);
    });
    const report = JSON.parse(outputs[0]!) as JsonReport;
    expect(report.checks[0]!.status).toBe('fail');
    expect(report.checks[0]!.findings.length).toBeGreaterThan(0);
    for (const output of outputs.slice(1)) expect(output).toBe(outputs[0]);
  }, 600_000);
});
