import pc from 'picocolors';
import type { Finding, RunReport } from '../checks/types.js';
import { displayReport } from './paths.js';
import { toGithub } from './github.js';
import { toJson } from './json.js';
import { toJunit } from './junit.js';

/** `migtest lint --format F`: the same formats as check; text is lint's own (one block per finding). */
export function renderLint(report: RunReport, format: 'text' | 'json' | 'junit' | 'github', options: { color?: boolean; cwd?: string } = {}): string {
  const cwd = options.cwd ?? process.cwd();
  switch (format) {
    case 'json':
      return toJson(report, cwd) + '\n';
    case 'junit':
      return toJunit(report, { cwd });
    case 'github':
      return toGithub(report, { cwd });
    default:
      return formatLint(report, { ...options, cwd });
  }
}

/** The text output of `migtest lint`: one block per finding, then a summary line. */
export function formatLint(run: RunReport, options: { color?: boolean; cwd?: string } = {}): string {
  const report = displayReport(run, options.cwd);
  const c = pc.createColors(options.color ?? false);
  const result = report.checks.find((r) => r.name === 'lint');
  const findings = result?.findings ?? [];
  const out: string[] = [`${c.bold('migtest')} ${report.version} · ${report.set} · runner ${report.runner} · lint`];
  const changed = report.changedSince;
  if (changed) out.push(`reporting findings in ${changed.files} file${changed.files === 1 ? '' : 's'} changed since ${changed.ref} (every file is linted)`);
  for (const f of findings) out.push(formatFinding(f, c));
  const statements = result?.cases ?? 0;
  const took = result ? `${result.durationMs} ms` : '';
  if (findings.length === 0) {
    out.push(`${c.green(c.bold('PASS'))} no lint findings in ${statements} statements (${took})`);
  } else {
    const rules = new Set(findings.map((f) => String(f.case?.rule)));
    out.push(`${c.red(c.bold('FAIL'))} ${findings.length} lint finding${findings.length === 1 ? '' : 's'} (${[...rules].join(', ')}) in ${statements} statements (${took})`);
  }
  return out.join('\n') + '\n';
}

function formatFinding(f: Finding, c: ReturnType<typeof pc.createColors>): string {
  const lines = [`  ${c.red('✗')} ${c.bold(`${f.file ?? ''}:${f.line ?? 1}:${f.column ?? 1}`)}`];
  if (f.statement) {
    const first = f.statement.split('\n')[0]!;
    lines.push(`      ${c.cyan(first)}${f.statement.includes('\n') ? ' …' : ''}`);
  }
  lines.push(`      ${f.message}`);
  const confirmed = f.case?.confirmed;
  if (confirmed === true) lines.push(`      ${c.green('confirmed by')} ${String((f.case?.confirmedBy as string[] | undefined)?.join(', '))}`);
  if (f.hint) lines.push(`      ${c.yellow('hint:')} ${f.hint}`);
  lines.push(`      ${c.dim('reproduce:')} ${f.reproduce}`);
  return lines.join('\n');
}
