import { describe, expect, it } from 'vitest';
import { migtest, type JsonReport } from '../helpers/cli.js';

// Values PostgreSQL makes anew in every run (random uuids, now() and clock_timestamp() defaults, a
// trigger's clock_timestamp(), serial ids that re-runs move on, keys to them) are no findings;
// a seed that inserts its row again still is, in every check that makes a run do it again.

const SETS = 'migrations-under-test/volatile-seeds';
const ALL = ['--runner', 'rerun-all', '--checks', 'fresh,twice,resume,fault,retry', '--exhaustive', '--format', 'json'];

async function run(args: string[]): Promise<{ code: number | null; report: JsonReport; stdout: string }> {
  const result = await migtest(args);
  if (result.code === 2) throw new Error(result.stderr);
  return { code: result.code, report: JSON.parse(result.stdout) as JsonReport, stdout: result.stdout };
}

type Finding = JsonReport['checks'][number]['findings'][number] & { detail?: string | null };

describe('volatile-seeds under rerun-all, every case', () => {
  it('fixed: passes fresh, twice, resume, fault and retry', async () => {
    const { code, report } = await run(['check', `${SETS}/fixed`, ...ALL]);
    expect(report.checks.map((c) => [c.name, c.status, c.findings.length])).toEqual([
      ['fresh', 'pass', 0],
      ['twice', 'pass', 0],
      ['resume', 'pass', 0],
      ['fault', 'pass', 0],
      ['retry', 'pass', 0],
    ]);
    // 6 files; 2 fault kinds at each of 6 + 12 boundaries.
    expect(report.checks.map((c) => c.cases).slice(2, 4)).toEqual([6, 36]);
    expect(code).toBe(0);
  });

  it('broken: the seed without a guard is found by twice, resume, fault and retry, and by nothing else', async () => {
    const { code, report } = await run(['check', `${SETS}/broken`, ...ALL]);
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['fresh', 'pass'],
      ['twice', 'fail'],
      ['resume', 'fail'],
      ['fault', 'fail'],
      ['retry', 'fail'],
    ]);
    for (const check of report.checks.slice(1)) {
      for (const f of check.findings as Finding[]) {
        // Only the welcome message doubles: no uuid, timestamp or serial id is a difference.
        expect(f.diff?.map((d) => [d.path, (d.expected as { rows: number }).rows, (d.found as { rows: number }).rows])).toEqual([
          ['data:public.welcome_messages', 1, 2],
        ]);
        if (check.name === 'twice') {
          // twice compares exactly: the same database before and after.
          expect(f.detail ?? null).toBeNull();
        } else {
          expect(f.detail).toBe(
            'values of public.welcome_messages.created_at, public.welcome_messages.tenant_id compared by shape (NULL or not): they differ between two fresh runs',
          );
          expect(f.diff![0]!.found).toMatchObject({ unmatched: [{ body: 'Welcome to Acme!', created_at: '(any)', tenant_id: '(any)' }], unmatchedRows: 1 });
        }
      }
    }
    expect(code).toBe(1);
  });
});

describe('one verdict per seed', () => {
  it('fault --exhaustive with one seed, five times: the same JSON, durations aside', async () => {
    const outputs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { report } = await run(['check', `${SETS}/broken`, '--runner', 'rerun-all', '--checks', 'fault', '--exhaustive', '--seed', '5', '--format', 'json']);
      for (const check of report.checks) (check as { durationMs?: number }).durationMs = 0;
      outputs.push(JSON.stringify(report, null, 2));
    }
    const report = JSON.parse(outputs[0]!) as JsonReport;
    expect(report.checks[0]!.status).toBe('fail');
    expect(report.checks[0]!.findings.length).toBeGreaterThan(0);
    for (const output of outputs.slice(1)) expect(output).toBe(outputs[0]);
  }, 600_000);
});
