import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/checks/types.js';
import { toJunit } from '../../src/report/junit.js';
import { junitSchemaErrors } from './junit-validate.js';
import { AT_STATEMENT, handMadeReport, notesReport } from './report-fixtures.js';

const MADE = { cwd: '/repo', now: new Date('2026-12-04T23:35:17.250Z'), hostname: 'ci-runner-7' };

/** A lint report as `migtest lint` makes it: one check, no PostgreSQL. */
function lintReport(): RunReport {
  const finding = { ...AT_STATEMENT, check: 'lint' as const, case: { rule: 'create-if-not-exists' } };
  return {
    ok: false,
    tool: 'migtest',
    version: '0.1.0',
    set: '/repo/db',
    runner: 'golang-migrate',
    postgres: [],
    checks: [{ name: 'lint', postgres: 'none', status: 'fail', cases: 12, durationMs: 40, findings: [finding, { ...finding, line: 9 }] }],
  };
}

describe('JUnit output against the JUnit schema (test/fixtures/junit.xsd)', () => {
  it('check reports (findings, a skip, notes, a check that could not run) and a lint report validate', async () => {
    for (const report of [handMadeReport(), notesReport(), lintReport()]) {
      expect(await junitSchemaErrors(toJunit(report, MADE))).toEqual([]);
    }
  }, 60_000);

  it('a message with control characters, CRLF line ends and markup validates and carries no raw CR', async () => {
    const report = handMadeReport();
    report.checks[1]!.findings[0] = { ...AT_STATEMENT, message: 'nul\u0000 bell\u0007 del\u007f c1\u0085 line\r\nnext\rlast <&>', statement: 'SELECT 1;\r\nSELECT 2' };
    const xml = toJunit(report, MADE);
    expect(xml).not.toContain('\r');
    expect(await junitSchemaErrors(xml)).toEqual([]);
  }, 60_000);

  it('the validation fails on output the schema refuses: a testcase without a name, a zoned timestamp, a line of 0', async () => {
    const xml = toJunit(handMadeReport(), MADE);
    const broken = [
      xml.replace(/<testcase classname="([^"]*)" name="[^"]*"/, '<testcase classname="$1"'),
      xml.replace('timestamp="2026-12-04T23:35:13"', 'timestamp="2026-12-04T23:35:13Z"'),
      xml.replace(/ line="\d+"/, ' line="0"'),
      xml.replace('<testsuites ', '<testsuites bogus="1" '),
    ];
    for (const doc of broken) {
      expect(doc).not.toBe(xml);
      expect((await junitSchemaErrors(doc)).length).toBeGreaterThan(0);
    }
  }, 60_000);
});
