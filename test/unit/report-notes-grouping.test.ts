import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { CANNOT_RUN } from '../../src/checks/applies.js';
import { toGithub } from '../../src/report/github.js';
import { errorJson, toJson } from '../../src/report/json.js';
import { toJunit } from '../../src/report/junit.js';
import { TextReporter } from '../../src/report/text.js';
import { DIRTY, FIRST_RUN_FAILS, GROUPED, notesReport } from './report-fixtures.js';

function textOf(report = notesReport()): string {
  let out = '';
  const text = new TextReporter({ color: false, live: false, write: (s) => (out += s) });
  for (const result of report.checks) text.onCheckEnd(result);
  text.summary(report);
  return out;
}

interface JsonCheck {
  name: string;
  status: string;
  reason?: string;
  findings: { cases: number; message: string; reproduce: string }[];
  notes: { check: string; file: string | null; message: string; action: string }[];
}

describe('a check that could not run, grouped findings and notes, in every format', () => {
  it('text: the check fails with why, a grouped finding once with the count of its other cases, a dimmed note line; only passed checks count as passed', () => {
    const lines = textOf().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ {2}✗ twice {4}pg 17 {2}0 cases {2}2 ms {2}cannot run: the set does not apply to an empty database \(the first run fails\)$/);
    expect(lines).toContain('      22012 the first run fails here, so twice cannot run: division by zero');
    expect(lines).toContain(`      42710 ${GROUPED.message} (and 15 more cases)`);
    expect(lines.filter((l) => l.includes('(and'))).toHaveLength(1);
    const note = `    note: db/000002_orders.up.sql: ${DIRTY.message}; action: ${DIRTY.action}`;
    expect(lines[lines.indexOf(lines.find((l) => l.startsWith('  ✗ fault'))!) + 1]).toBe(note);
    expect(lines).toContain(`    note: ${DIRTY.message}; action: ${DIRTY.action}`);
    expect(lines.at(-1)).toBe('FAIL 2 of 3 checks failed (1 could not run: the set does not apply), 2 findings');
  });

  it('text: the first run\'s error is shown in full once per version; later checks that could not run point back at it', () => {
    const report = notesReport();
    const resume = { ...report.checks[0]!, name: 'resume' as const, findings: [{ ...FIRST_RUN_FAILS, check: 'resume' as const }] };
    report.checks = [report.checks[0]!, resume];
    const text = textOf(report);
    expect(text.match(/division by zero/g)).toHaveLength(1);
    expect(text).toContain('    ✗ db/0001_divide.up.sql:2:1  22012 the error shown above stops the first run\n');
  });

  it('text: PASS counts the checks that passed, and names the skipped ones apart', () => {
    const report = notesReport();
    report.ok = true;
    report.checks = [report.checks[2]!, { ...report.checks[2]!, name: 'retry', status: 'skip', cases: 0, reason: 'the plan has no block', notes: [] }];
    expect(textOf(report).trimEnd().split('\n').at(-1)).toBe('PASS 1 check passed, 1 skipped');
  });

  it('json: a failed check with its reason, `cases` on every finding, `notes` on every check (empty when none)', () => {
    const report = notesReport();
    report.checks.push({ name: 'fresh', postgres: '17', status: 'fail', cases: 1, durationMs: 1, findings: [{ ...FIRST_RUN_FAILS, check: 'fresh', message: 'division by zero' }] });
    const json = JSON.parse(toJson(report)) as { ok: boolean; checks: JsonCheck[] };
    expect(json.ok).toBe(false);
    const [twice, fault, resume, fresh] = json.checks;
    expect(twice).toMatchObject({ status: 'fail', reason: CANNOT_RUN, notes: [] });
    expect(twice!.findings.map((f) => f.cases)).toEqual([1]);
    expect(fault!.findings.map((f) => [f.cases, f.reproduce])).toEqual([[16, GROUPED.reproduce]]);
    expect(fault!.notes).toEqual([{ check: 'fault', file: 'db/000002_orders.up.sql', message: DIRTY.message, action: DIRTY.action }]);
    expect(resume!.notes).toEqual([{ check: 'resume', file: null, message: DIRTY.message, action: DIRTY.action }]);
    expect(fresh!.notes).toEqual([]);
    expect(fresh!.reason).toBeUndefined();
    // The typed cause is for grouping, not part of the contract.
    expect(JSON.stringify(json)).not.toContain('"cause"');
  });

  it('json on exit 2: one object with the error', () => {
    const parsed = JSON.parse(errorJson({ message: 'the migration folder does not exist', file: 'db', line: null, fix: 'give the folder' })) as unknown;
    expect(parsed).toEqual({ ok: false, tool: 'migtest', version: '0.1.0', error: { message: 'the migration folder does not exist', file: 'db', line: null, fix: 'give the folder' } });
  });

  it('junit: the check that could not run fails (not skipped); one testcase per grouped finding; notes in system-out, never failures', () => {
    const xml = toJunit(notesReport());
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => ['testsuite', 'testcase'].includes(n), trimValues: false }).parse(xml) as {
      testsuites: { failures: string; skipped: string; testsuite: { testcase: Record<string, unknown>[] }[] };
    };
    expect(doc.testsuites).toMatchObject({ failures: '2', skipped: '0' });
    const [twice, fault, resume] = doc.testsuites.testsuite[0]!.testcase;
    expect(twice!.skipped).toBeUndefined();
    expect((twice!.failure as Record<string, string>).message).toBe('22012 the first run fails here, so twice cannot run: division by zero');
    expect((twice!.failure as Record<string, string>)['#text']).toContain(CANNOT_RUN);
    const failure = fault!.failure as Record<string, string>;
    expect(failure.message).toMatch(/\(and 15 more cases\)$/);
    expect(failure['#text']).toContain('16 cases end in this same finding');
    expect(fault!['system-out']).toBe(`note: db/000002_orders.up.sql: ${DIRTY.message}; action: ${DIRTY.action}`);
    expect(resume!.failure).toBeUndefined();
    expect(resume!['system-out']).toBe(`resume on PostgreSQL 17: 3 cases passed\nnote: ${DIRTY.message}; action: ${DIRTY.action}`);
  });

  it('github: an ::error per grouped finding with its count, a ::warning per note, the failed check with its reason', () => {
    const lines = toGithub(notesReport()).trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('::error'))).toHaveLength(2);
    expect(lines.find((l) => l.includes('title=migtest fault'))).toContain('(and 15 more cases)%0Ahint:');
    const warnings = lines.filter((l) => l.startsWith('::warning'));
    expect(warnings).toEqual([
      `::warning file=db/000002_orders.up.sql,title=migtest fault · PostgreSQL 17 · note::${DIRTY.message}%0Aaction: ${DIRTY.action}`,
      `::warning title=migtest resume · PostgreSQL 17 · note::${DIRTY.message}%0Aaction: ${DIRTY.action}`,
    ]);
    expect(lines).toContain(`FAIL twice pg 17: 0 cases, 1 finding (${CANNOT_RUN})`);
    expect(lines.at(-1)).toBe('migtest: FAIL 2 of 3 checks failed (1 could not run: the set does not apply), 2 findings (db, runner golang-migrate, PostgreSQL 17.10)');
  });

  it('notes never change a verdict: a report whose only news is notes passes in every format', () => {
    const report = notesReport();
    report.ok = true;
    report.checks = [report.checks[2]!];
    expect(textOf(report)).toContain('PASS 1 check passed');
    expect(JSON.parse(toJson(report))).toMatchObject({ ok: true });
    expect(toJunit(report)).toContain('failures="0"');
    expect(toGithub(report)).not.toContain('::error');
  });
});
