import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { CheckResult, Finding, Note } from '../checks/types.js';
import type { RunReport } from '../checks/types.js';
import { checksSummary, moreCases } from './text.js';
import { displayFinding, displayNote, displayPath, displayText } from './paths.js';

/** Where the log is read from: the repository's root on the runner (default GITHUB_WORKSPACE), and the directory migtest ran in. */
export interface GithubPlaces {
  workspace?: string | undefined;
  cwd?: string;
}

/**
 * GitHub Actions workflow commands: an `::error` annotation per finding, on its file and line
 * when it has one, then a plain line per check and a summary line for the log. Annotations name
 * files from the workspace, as GitHub places them; texts for the log show paths from `cwd`.
 */
export function toGithub(report: RunReport, places: GithubPlaces = {}): string {
  const lines: string[] = annotations(report, places);
  for (const result of report.checks) lines.push(checkLine(result, places.cwd));
  lines.push(summaryLine(report, places.cwd));
  return lines.join('\n') + '\n';
}

/** The workflow commands alone: `::error` per finding, `::warning` per note, as printed beside another log format. */
export function annotations(report: RunReport, places: GithubPlaces = {}): string[] {
  const lines: string[] = [];
  for (const result of report.checks) {
    for (const finding of result.findings) lines.push(annotation(report, result, finding, places));
    for (const note of result.notes ?? []) lines.push(noteAnnotation(report, result, note, places));
  }
  return lines;
}

/** The title names the check and the PostgreSQL version, so a matrix's annotations tell apart. */
function title(report: RunReport, result: CheckResult, f: Finding): string {
  const shard = report.shard && report.shard.count > 1 ? ` shard ${report.shard.index}/${report.shard.count}` : '';
  const rule = typeof f.case?.rule === 'string' && result.name === 'lint' ? ` · ${f.case.rule}` : '';
  return `migtest ${result.name}${postgresOf(result)}${shard}${f.sqlstate ? ` · ${f.sqlstate}` : ''}${rule}`;
}

/** Lint runs without a server: its title names no version. */
function postgresOf(result: CheckResult): string {
  return result.postgres === 'none' ? '' : ` · PostgreSQL ${result.postgres}`;
}

export function annotation(report: RunReport, result: CheckResult, finding: Finding, places: GithubPlaces = {}): string {
  const f = displayFinding(finding, places.cwd);
  const properties: string[] = [];
  if (finding.file) {
    properties.push(`file=${escapeProperty(workspacePath(finding.file, places.workspace, places.cwd))}`);
    if (f.line !== null) properties.push(`line=${f.line}`);
    if (f.column !== null) properties.push(`col=${f.column}`);
  }
  properties.push(`title=${escapeProperty(title(report, result, f))}`);
  const message = [f.message + moreCases(f), ...(f.detail ? [`detail: ${f.detail}`] : []), ...(f.hint ? [`hint: ${f.hint}`] : []), `reproduce: ${f.reproduce}`].join('\n');
  return `::error ${properties.join(',')}::${escapeData(message)}`;
}

/** A note is a warning, never an error: what the tool always does, with what an operator does about it. */
export function noteAnnotation(report: RunReport, result: CheckResult, note: Note, places: GithubPlaces = {}): string {
  const n = displayNote(note, places.cwd);
  const shard = report.shard && report.shard.count > 1 ? ` shard ${report.shard.index}/${report.shard.count}` : '';
  const properties = [
    ...(note.file ? [`file=${escapeProperty(workspacePath(note.file, places.workspace, places.cwd))}`] : []),
    `title=${escapeProperty(`migtest ${result.name}${postgresOf(result)}${shard} · note`)}`,
  ];
  return `::warning ${properties.join(',')}::${escapeData(`${n.message}\naction: ${n.action}`)}`;
}

/**
 * GitHub places an annotation by its path from the repository's root (GITHUB_WORKSPACE), which
 * differs from the current directory when migtest runs in a subfolder. A file outside the
 * workspace, or with no workspace, is shown by the display rule (src/report/paths.ts).
 */
export function workspacePath(file: string, workspace = process.env.GITHUB_WORKSPACE, cwd = process.cwd()): string {
  const absolute = resolve(cwd, file);
  if (workspace) {
    const inWorkspace = relative(workspace, absolute);
    if (inWorkspace !== '..' && !inWorkspace.startsWith(`..${sep}`) && !isAbsolute(inWorkspace)) return inWorkspace;
  }
  return displayPath(absolute, cwd);
}

function checkLine(r: CheckResult, cwd?: string): string {
  const mark = r.status === 'pass' ? 'ok  ' : r.status === 'fail' ? 'FAIL' : 'skip';
  const findings = r.findings.length > 0 ? `, ${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}` : '';
  const reason = !r.reason ? '' : r.status === 'fail' ? ` (${displayText(r.reason, cwd)})` : ` (skipped: ${displayText(r.reason, cwd)})`;
  return `${mark} ${r.name}${r.postgres === 'none' ? '' : ` pg ${r.postgres}`}: ${r.cases} case${r.cases === 1 ? '' : 's'}${findings}${reason}`;
}

function summaryLine(report: RunReport, cwd?: string): string {
  const shard = report.shard ? `, shard ${report.shard.index}/${report.shard.count}` : '';
  // Lint alone ran on no server: no PostgreSQL to name.
  const lintOnly = report.postgres.length === 0 && report.checks.length > 0 && report.checks.every((r) => r.postgres === 'none');
  const postgres = lintOnly ? '' : `, PostgreSQL ${report.postgres.join(', ') || 'none'}`;
  const where = `${displayPath(report.set, cwd)}, runner ${report.runner}${postgres}${shard}`;
  return `migtest: ${report.ok ? 'PASS' : 'FAIL'} ${checksSummary(report)} (${where})`;
}

/** The message after `::`: GitHub unescapes %25, %0D and %0A there. */
export function escapeData(s: string): string {
  return s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** A property value: as data, plus `:` and `,`, which would end the value. */
export function escapeProperty(s: string): string {
  return escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C');
}
