import { describe, expect, it } from 'vitest';
import { onlyChanged } from '../../src/changes/filter.js';
import { skipReason, CANNOT_RUN } from '../../src/checks/applies.js';
import { RUNNERS } from '../../src/runners/registry.js';
import type { CheckResult, Finding, RunReport } from '../../src/checks/types.js';

const SET = '/repo/db/migrations';

function finding(check: Finding['check'], file: string | null, extra: Partial<Finding> = {}): Finding {
  return { check, file, line: file ? 1 : null, column: file ? 1 : null, statement: null, sqlstate: null, message: 'm', hint: null, diff: null, reproduce: 'r', ...extra };
}

function result(name: CheckResult['name'], findings: Finding[], extra: Partial<CheckResult> = {}): CheckResult {
  return { name, postgres: '17', status: findings.length > 0 ? 'fail' : 'pass', cases: 1, durationMs: 1, findings, ...extra };
}

function report(checks: CheckResult[]): RunReport {
  return { ok: false, tool: 'migtest', version: '0', set: SET, runner: 'rerun-all', postgres: ['17'], checks };
}

const changed = (file: string) => file === `${SET}/002.up.sql`;

describe('--changed-since: what stays in the report', () => {
  it('keeps findings in changed files, set-wide ones and those outside the set; a check left with none passes, counting them', () => {
    const out = onlyChanged(
      report([
        result('lint', [finding('lint', `${SET}/001.up.sql`), finding('lint', `${SET}/002.up.sql`)]),
        result('twice', [finding('twice', `${SET}/001.up.sql`)]),
        result('resume', [finding('resume', null), finding('resume', '/repo/verify.sql'), finding('resume', `${SET}/001.up.sql`, { blame: { file: `${SET}/002.up.sql`, line: 3 } })]),
      ]),
      changed,
      SET,
    );
    expect(out.checks.map((c) => [c.name, c.status, c.findings.length, c.unreported])).toEqual([
      ['lint', 'fail', 1, 1],
      ['twice', 'pass', 0, 1],
      ['resume', 'fail', 3, undefined],
    ]);
    expect(out.ok).toBe(false);
  });

  it('keeps every finding of fresh and of a check that could not run: neither becomes a pass', () => {
    const out = onlyChanged(
      report([result('fresh', [finding('fresh', `${SET}/001.up.sql`)]), result('twice', [finding('twice', `${SET}/001.up.sql`)], { cases: 0, reason: CANNOT_RUN })]),
      changed,
      SET,
    );
    expect(out.checks.map((c) => [c.name, c.status, c.findings.length])).toEqual([
      ['fresh', 'fail', 1],
      ['twice', 'fail', 1],
    ]);
    expect(out.ok).toBe(false);
  });
});

describe('which checks apply to which runner model', () => {
  it('skips twice under every model with a tracker, with the reason naming its table; applies it without one', () => {
    for (const model of Object.values(RUNNERS)) {
      const reason = skipReason('twice', model);
      if (model.tracker) expect(reason).toContain(`${model.tracker.schema}.${model.tracker.table}`);
      else expect(reason).toBeUndefined();
      for (const check of ['fresh', 'resume', 'fault', 'retry', 'expected', 'lint'] as const) expect(skipReason(check, model)).toBeUndefined();
    }
    expect(skipReason('twice', RUNNERS['rerun-all']!)).toBeUndefined();
    expect(skipReason('twice', RUNNERS['golang-migrate']!)).toMatch(/never runs one again/);
  });
});
