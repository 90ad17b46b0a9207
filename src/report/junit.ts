import type { CheckResult, Finding, Note } from '../checks/types.js';
import { moreCases } from './text.js';
import type { RunReport } from '../checks/types.js';
import { formatDifferences } from '../snapshot/format.js';
import { displayReport } from './paths.js';

/**
 * JUnit XML as Jenkins, GitLab and the GitHub test-report actions read it (the Ant/Surefire
 * dialect): `testsuites` > `testsuite` per PostgreSQL version > `testcase` per check, or per
 * finding of a failing check, each with `failure` or `skipped`. Times are in seconds. Paths are
 * shown from `cwd` (src/report/paths.ts).
 */
export function toJunit(run: RunReport, cwd = process.cwd()): string {
  const report = displayReport(run, cwd);
  const majors = [...new Set(report.checks.map((r) => r.postgres))];
  const suites = majors.map((major) => suite(report, major, report.checks.filter((r) => r.postgres === major)));
  const totals = count(report.checks);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(`migtest ${report.set}`)}" tests="${totals.tests}" failures="${totals.failures}" errors="0" skipped="${totals.skipped}" time="${seconds(totals.ms)}">`,
    ...suites,
    '</testsuites>',
  ];
  return lines.join('\n') + '\n';
}

interface Totals {
  tests: number;
  failures: number;
  skipped: number;
  ms: number;
}

/** A failing check counts once per finding, as it appears once per finding. */
function count(results: CheckResult[]): Totals {
  const totals: Totals = { tests: 0, failures: 0, skipped: 0, ms: 0 };
  for (const r of results) {
    const findings = r.status === 'fail' ? Math.max(1, r.findings.length) : 1;
    totals.tests += findings;
    if (r.status === 'fail') totals.failures += findings;
    if (r.status === 'skip') totals.skipped += 1;
    totals.ms += r.durationMs;
  }
  return totals;
}

/** The full version string (e.g. 17.10) of a major the report ran on. */
function fullVersion(report: RunReport, major: string): string {
  return report.postgres.find((v) => v === major || v.startsWith(`${major}.`)) ?? major;
}

function suite(report: RunReport, major: string, results: CheckResult[]): string {
  const totals = count(results);
  const name = `${report.set} · ${report.runner} · PostgreSQL ${major}`;
  const properties: [string, string][] = [
    ['set', report.set],
    ['runner', report.runner],
    ['postgres', fullVersion(report, major)],
    ...(report.shard ? ([['shard', `${report.shard.index}/${report.shard.count}`]] as [string, string][]) : []),
  ];
  return [
    `  <testsuite name="${attr(name)}" tests="${totals.tests}" failures="${totals.failures}" errors="0" skipped="${totals.skipped}" time="${seconds(totals.ms)}">`,
    '    <properties>',
    ...properties.map(([k, v]) => `      <property name="${attr(k)}" value="${attr(v)}"/>`),
    '    </properties>',
    ...results.flatMap((r) => testcases(r)),
    '  </testsuite>',
  ].join('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function testcases(result: CheckResult): string[] {
  const classname = attr(`pg${result.postgres}.${result.name}`);
  const cases = plural(result.cases, 'case');
  // Notes are output, never failures: on every testcase of the check, so each one read alone has them.
  const notes = (result.notes ?? []).map(noteLine);
  const systemOut = (lines: string[]): string[] => (lines.length > 0 ? [`      <system-out>${text(lines.join('\n'))}</system-out>`] : []);
  if (result.status === 'skip') {
    return [
      `    <testcase classname="${classname}" name="${attr(result.name)}" time="${seconds(result.durationMs)}">`,
      `      <skipped message="${attr(result.reason ?? 'skipped')}"/>`,
      ...systemOut(notes),
      '    </testcase>',
    ];
  }
  if (result.status === 'pass' || result.findings.length === 0) {
    const failure =
      result.status === 'fail' ? [`      <failure message="${attr(result.reason ?? `${result.name} failed`)}" type="${attr(result.name)}"/>`] : [];
    return [
      `    <testcase classname="${classname}" name="${attr(`${result.name} · ${cases}`)}" time="${seconds(result.durationMs)}">`,
      ...failure,
      ...systemOut([`${result.name} on PostgreSQL ${result.postgres}: ${cases} ${result.status === 'pass' ? 'passed' : 'run'}`, ...notes]),
      '    </testcase>',
    ];
  }
  // The check's time is shared by its findings, so the suite's time still adds up.
  const each = result.durationMs / result.findings.length;
  return result.findings.flatMap((f) => [
    `    <testcase classname="${classname}" name="${attr(findingName(f))}" time="${seconds(each)}">`,
    `      <failure message="${attr(firstLine(`${f.sqlstate ? `${f.sqlstate} ` : ''}${f.message}`) + moreCases(f))}" type="${attr(f.sqlstate ?? f.check)}">${text(failureBody(f, result))}</failure>`,
    ...systemOut(notes),
    '    </testcase>',
  ]);
}

function noteLine(n: Note): string {
  return `note: ${n.file ? `${n.file}: ` : ''}${n.message}; action: ${n.action}`;
}

function where(f: Finding): string | undefined {
  return f.file ? `${f.file}:${f.line ?? 1}:${f.column ?? 1}` : undefined;
}

/** Fields of a finding's case that tell one case from another (the full case is in the failure body). */
const CASE_NAME_FIELDS = ['family', 'fault', 'crashAfter', 'block', 'at', 'boundary', 'rule'];

/** The check, where, the SQLSTATE and what identifies the case (fault kind, block, boundary …). */
export function findingName(f: Finding): string {
  const parts: string[] = [f.check, where(f) ?? 'no statement'];
  if (f.sqlstate) parts.push(f.sqlstate);
  const fields = CASE_NAME_FIELDS.filter((k) => ['string', 'number', 'boolean'].includes(typeof f.case?.[k]));
  if (fields.length > 0) parts.push(fields.map((k) => `${k}=${String(f.case![k])}`).join(' '));
  return parts.join(' · ');
}

function failureBody(f: Finding, result: CheckResult): string {
  const lines: string[] = [];
  lines.push(where(f) ?? '(no statement)');
  if (f.statement) lines.push(f.statement);
  lines.push('');
  lines.push(`${f.sqlstate ? `${f.sqlstate} ` : ''}${f.message}`);
  if (f.detail) lines.push(`detail: ${f.detail}`);
  if (f.hint) lines.push(`hint: ${f.hint}`);
  if (f.case) lines.push(`case: ${JSON.stringify(f.case)}`);
  if (f.diff && f.diff.length > 0) {
    lines.push('diff:');
    for (const line of formatDifferences(f.diff)) lines.push(`  ${line}`);
  }
  if ((f.cases ?? 1) > 1) lines.push(`${f.cases} cases end in this same finding; the case and the command above are the first of them`);
  if (result.reason) lines.push(result.reason);
  else lines.push(`check ran ${plural(result.cases, 'case')}`);
  lines.push(`reproduce: ${f.reproduce}`);
  return lines.join('\n');
}

function firstLine(s: string): string {
  return s.split(/\r?\n|\r/)[0]!;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * Characters XML 1.0 cannot carry at all, even escaped (C0 controls but tab, CR and LF, lone
 * surrogates, U+FFFE/U+FFFF): a message quoting odd bytes must not make the report unreadable.
 */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function clean(s: string): string {
  return s.replace(NOT_XML, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Character data: markup characters escaped. */
export function text(s: string): string {
  return clean(s).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** An attribute value in double quotes; line breaks and tabs kept as character references, which parsers do not normalise away. */
export function attr(s: string): string {
  return text(s).replaceAll('"', '&quot;').replaceAll("'", '&apos;').replaceAll('\n', '&#10;').replaceAll('\r', '&#13;').replaceAll('\t', '&#9;');
}
