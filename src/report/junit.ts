import type { CheckResult, Finding, Note } from '../checks/types.js';
import { moreCases } from './text.js';
import type { RunReport } from '../checks/types.js';
import { formatDifferences } from '../snapshot/format.js';
import { displayReport } from './paths.js';
import { hostname as osHostname } from 'node:os';

/** What a JUnit report says about where and when it was made, beside the run itself. */
export interface JunitOptions {
  /** The directory paths are shown from (src/report/paths.ts). */
  cwd?: string;
  /** When the report is written; the suites' `timestamp` is this less the checks' time. */
  now?: Date;
  hostname?: string;
}

/**
 * JUnit XML as Jenkins, GitLab and the GitHub test-report actions read it (the Ant/Surefire
 * dialect, test/fixtures/junit.xsd): `testsuites` > `testsuite` per PostgreSQL version >
 * `testcase` per check, or per file of a failing check's findings, each with `failure` or
 * `skipped`. Test names hold the check, the version and the file, never a line, a case count or
 * a case: test-history tools follow a test by its name, and those move with every edit. Times
 * are in seconds. Paths are shown from `cwd` (src/report/paths.ts).
 */
export function toJunit(run: RunReport, options: JunitOptions | string = {}): string {
  const { cwd = process.cwd(), now = new Date(), hostname = osHostname() } = typeof options === 'string' ? { cwd: options } : options;
  const report = displayReport(run, cwd);
  const majors = [...new Set(report.checks.map((r) => r.postgres))];
  const totals = count(report.checks);
  // The report has no start time of its own: the checks ran in the time before it was written.
  const timestamp = isoSeconds(new Date(now.getTime() - totals.ms));
  const suites = majors.map((major) => suite(report, major, report.checks.filter((r) => r.postgres === major), { timestamp, hostname }));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(`migtest ${report.set}`)}" tests="${totals.tests}" failures="${totals.failures}" errors="0" skipped="${totals.skipped}" time="${seconds(totals.ms)}">`,
    ...suites,
    '</testsuites>',
  ];
  return lines.join('\n') + '\n';
}

/** `2026-12-04T23:35:17`, in UTC: the form the JUnit schema gives `timestamp` (no zone, no fraction). */
function isoSeconds(date: Date): string {
  return date.toISOString().slice(0, 19);
}

interface Totals {
  tests: number;
  failures: number;
  skipped: number;
  ms: number;
}

/** A failing check counts once per file its findings are in (once when none has a file), as it appears. */
function count(results: CheckResult[]): Totals {
  const totals: Totals = { tests: 0, failures: 0, skipped: 0, ms: 0 };
  for (const r of results) {
    const tests = r.status === 'fail' ? Math.max(1, byFile(r.findings).length) : 1;
    totals.tests += tests;
    if (r.status === 'fail') totals.failures += tests;
    if (r.status === 'skip') totals.skipped += 1;
    totals.ms += r.durationMs;
  }
  return totals;
}

/** A check's findings by file, in the order each file first appears; findings without a file last. */
function byFile(findings: Finding[]): { file: string | null; findings: Finding[] }[] {
  const groups = new Map<string | null, Finding[]>();
  for (const f of findings) groups.set(f.file, [...(groups.get(f.file) ?? []), f]);
  const withFile = [...groups].filter(([file]) => file !== null);
  const without = groups.get(null);
  return [...withFile, ...(without ? [[null, without] as const] : [])].map(([file, list]) => ({ file, findings: list }));
}

/** The full version string (e.g. 17.10) of a major the report ran on. */
function fullVersion(report: RunReport, major: string): string {
  return report.postgres.find((v) => v === major || v.startsWith(`${major}.`)) ?? major;
}

function suite(report: RunReport, major: string, results: CheckResult[], made: { timestamp: string; hostname: string }): string {
  const totals = count(results);
  const name = major === 'none' ? `${report.set} · ${report.runner}` : `${report.set} · ${report.runner} · PostgreSQL ${major}`;
  const properties: [string, string][] = [
    ['set', report.set],
    ['runner', report.runner],
    ...(major === 'none' ? [] : ([['postgres', fullVersion(report, major)]] as [string, string][])),
    ...(report.shard ? ([['shard', `${report.shard.index}/${report.shard.count}`]] as [string, string][]) : []),
  ];
  return [
    `  <testsuite name="${attr(name)}" tests="${totals.tests}" failures="${totals.failures}" errors="0" skipped="${totals.skipped}" time="${seconds(totals.ms)}" timestamp="${made.timestamp}" hostname="${attr(made.hostname)}">`,
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

/** The stable name of a check's testcase: the check, the PostgreSQL version (lint has none) and the file. */
export function testName(check: string, postgres: string, file: string | null = null): string {
  return [check, ...(postgres === 'none' ? [] : [`PostgreSQL ${postgres}`]), ...(file !== null ? [file] : [])].join(' · ');
}

function testcases(result: CheckResult): string[] {
  const classname = attr(result.postgres === 'none' ? `migtest.${result.name}` : `pg${result.postgres}.${result.name}`);
  const cases = plural(result.cases, 'case');
  const open = (name: string, ms: number, place?: { file: string; line: number | null }): string =>
    `    <testcase classname="${classname}" name="${attr(name)}"${place ? ` file="${attr(place.file)}"${place.line !== null ? ` line="${place.line}"` : ''}` : ''} time="${seconds(ms)}">`;
  // Notes are output, never failures: on every testcase of the check, so each one read alone has them.
  const notes = (result.notes ?? []).map(noteLine);
  const systemOut = (lines: string[]): string[] => (lines.length > 0 ? [`      <system-out>${text(lines.join('\n'))}</system-out>`] : []);
  const name = testName(result.name, result.postgres);
  if (result.status === 'skip') {
    return [open(name, result.durationMs), `      <skipped message="${attr(result.reason ?? 'skipped')}"/>`, ...systemOut(notes), '    </testcase>'];
  }
  if (result.status === 'pass' || result.findings.length === 0) {
    const failure =
      result.status === 'fail' ? [`      <failure message="${attr(result.reason ?? `${result.name} failed`)}" type="${attr(result.name)}"/>`] : [];
    return [
      open(name, result.durationMs),
      ...failure,
      ...systemOut([`${result.name} on PostgreSQL ${result.postgres}: ${cases} ${result.status === 'pass' ? 'passed' : 'run'}`, ...notes]),
      '    </testcase>',
    ];
  }
  // The check's time is shared by its testcases, so the suite's time still adds up.
  const groups = byFile(result.findings);
  const each = result.durationMs / groups.length;
  return groups.flatMap(({ file, findings }) => {
    const first = findings[0]!;
    const line = file === null ? null : Math.min(...findings.map((f) => f.line ?? 1));
    const more = findings.length > 1 ? ` (and ${plural(findings.length - 1, 'more finding')} in this file)` : '';
    const message = firstLine(`${first.sqlstate ? `${first.sqlstate} ` : ''}${first.message}`) + moreCases(first) + more;
    const body = findings.map((f) => failureBody(f)).join('\n\n') + `\n\n${result.reason ?? `check ran ${cases}`}`;
    return [
      open(testName(result.name, result.postgres, file), each, file === null ? undefined : { file, line }),
      `      <failure message="${attr(message)}" type="${attr(first.sqlstate ?? first.check)}">${text(body)}</failure>`,
      ...systemOut(notes),
      '    </testcase>',
    ];
  });
}

function noteLine(n: Note): string {
  return `note: ${n.file ? `${n.file}: ` : ''}${n.message}; action: ${n.action}`;
}

function where(f: Finding): string | undefined {
  return f.file ? `${f.file}:${f.line ?? 1}:${f.column ?? 1}` : undefined;
}

/** One finding: where, the statement, the error, the case that shows it and how to reproduce it. */
function failureBody(f: Finding): string {
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
 * surrogates, U+FFFE/U+FFFF), and the controls it allows but a reader cannot see (DEL, C1): a
 * message quoting odd bytes must not make the report unreadable, nor hide what it quotes.
 */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Odd characters shown as `\uXXXX`; line ends made LF, as a body from a CRLF file would otherwise carry raw CRs. */
function clean(s: string): string {
  return s.replace(/\r\n?/g, '\n').replace(NOT_XML, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Character data: markup characters escaped, line ends LF. */
export function text(s: string): string {
  return clean(s).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** An attribute value in double quotes; line breaks and tabs kept as character references, which parsers do not normalise away. */
export function attr(s: string): string {
  return text(s).replaceAll('"', '&quot;').replaceAll("'", '&apos;').replaceAll('\n', '&#10;').replaceAll('\t', '&#9;');
}
