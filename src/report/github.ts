import { isAbsolute, relative, resolve } from 'node:path';
import type { CheckResult, Finding, Note } from '../checks/types.js';
import type { RunReport } from '../checks/types.js';
import { checksSummary, moreCases } from './text.js';

/**
 * GitHub Actions workflow commands: an `::error` annotation per finding, on its file and line
 * when it has one, then a plain line per check and a summary line for the log.
 */
export function toGithub(report: RunReport): string {
  const lines: string[] = [];
  for (const result of report.checks) {
    for (const finding of result.findings) lines.push(annotation(report, result, finding));
    for (const note of result.notes ?? []) lines.push(noteAnnotation(report, result, note));
  }
  for (const result of report.checks) lines.push(checkLine(result));
  lines.push(summaryLine(report));
  return lines.join('\n') + '\n';
}

/** The title names the check and the PostgreSQL version, so a matrix's annotations tell apart. */
function title(report: RunReport, result: CheckResult, f: Finding): string {
  const shard = report.shard && report.shard.count > 1 ? ` shard ${report.shard.index}/${report.shard.count}` : '';
  return `migtest ${result.name} · PostgreSQL ${result.postgres}${shard}${f.sqlstate ? ` · ${f.sqlstate}` : ''}`;
}

export function annotation(report: RunReport, result: CheckResult, f: Finding): string {
  const properties: string[] = [];
  if (f.file) {
    properties.push(`file=${escapeProperty(workspacePath(f.file))}`);
    if (f.line !== null) properties.push(`line=${f.line}`);
    if (f.column !== null) properties.push(`col=${f.column}`);
  }
  properties.push(`title=${escapeProperty(title(report, result, f))}`);
  const message = [f.message + moreCases(f), ...(f.hint ? [`hint: ${f.hint}`] : []), `reproduce: ${f.reproduce}`].join('\n');
  return `::error ${properties.join(',')}::${escapeData(message)}`;
}

/** A note is a warning, never an error: what the tool always does, with what an operator does about it. */
export function noteAnnotation(report: RunReport, result: CheckResult, n: Note): string {
  const shard = report.shard && report.shard.count > 1 ? ` shard ${report.shard.index}/${report.shard.count}` : '';
  const properties = [
    ...(n.file ? [`file=${escapeProperty(workspacePath(n.file))}`] : []),
    `title=${escapeProperty(`migtest ${result.name} · PostgreSQL ${result.postgres}${shard} · note`)}`,
  ];
  return `::warning ${properties.join(',')}::${escapeData(`${n.message}\naction: ${n.action}`)}`;
}

/**
 * GitHub places an annotation by its path from the repository's root (GITHUB_WORKSPACE); findings
 * name files from the current directory, which differs when migtest runs in a subfolder.
 */
export function workspacePath(file: string, workspace = process.env.GITHUB_WORKSPACE, cwd = process.cwd()): string {
  if (!workspace) return file;
  const inWorkspace = relative(workspace, resolve(cwd, file));
  return inWorkspace.startsWith('..') || isAbsolute(inWorkspace) ? file : inWorkspace;
}

function checkLine(r: CheckResult): string {
  const mark = r.status === 'pass' ? 'ok  ' : r.status === 'fail' ? 'FAIL' : 'skip';
  const findings = r.findings.length > 0 ? `, ${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}` : '';
  const reason = !r.reason ? '' : r.status === 'fail' ? ` (${r.reason})` : ` (skipped: ${r.reason})`;
  return `${mark} ${r.name} pg ${r.postgres}: ${r.cases} case${r.cases === 1 ? '' : 's'}${findings}${reason}`;
}

function summaryLine(report: RunReport): string {
  const shard = report.shard ? `, shard ${report.shard.index}/${report.shard.count}` : '';
  const where = `${report.set}, runner ${report.runner}, PostgreSQL ${report.postgres.join(', ') || 'none'}${shard}`;
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
