import { isAbsolute, relative, sep } from 'node:path';
import { PATH_MARK, shellWord } from '../checks/paths.js';
import type { CheckResult, Finding, Note, RunReport } from '../checks/types.js';

/*
 * The display rule, applied where a report is written: the core keeps paths absolute (and marks
 * those inside texts, src/checks/paths.ts); a reporter shows each relative to the directory it
 * runs in when the path is inside it, else absolute.
 */

/** A path as a person types it: relative to `cwd` when inside it, else absolute. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  if (rel === '') return '.';
  // `..` or `../…` is outside; a name that only begins with two dots (`..sets`) is inside.
  const outside = rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  return outside ? file : rel;
}

/** A path as a command's positional argument: a relative one that starts with `-` would be read as an option. */
export function argumentPath(file: string, cwd = process.cwd()): string {
  const shown = displayPath(file, cwd);
  return shown.startsWith('-') ? `./${shown}` : shown;
}

/** A text with the paths the core marked in it shown by the display rule (arguments also quoted for a shell). */
export function displayText(text: string, cwd = process.cwd()): string {
  if (!text.includes('\0')) return text;
  return text.replace(PATH_MARK, (_, kind: string, file: string) => (kind === 'a' ? shellWord(argumentPath(file, cwd)) : displayPath(file, cwd)));
}

/**
 * A record the core writes for the reader (a finding's case, a check's details), shown: a string
 * under key `file` is an absolute path, any other string may hold marked paths.
 */
export function displayRecord<T>(value: T, cwd = process.cwd(), key?: string): T {
  if (typeof value === 'string') return (key === 'file' ? displayPath(value, cwd) : displayText(value, cwd)) as T;
  if (Array.isArray(value)) return value.map((v) => displayRecord(v, cwd)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, displayRecord(v, cwd, k)])) as T;
  }
  return value;
}

/** A finding as a reader sees it from `cwd`: every path in it, its typed places (blame, rule, cause) too. */
export function displayFinding(f: Finding, cwd = process.cwd()): Finding {
  const place = <P extends { file: string }>(p: P): P => ({ ...p, file: displayPath(p.file, cwd) });
  return {
    ...f,
    file: f.file === null ? null : displayPath(f.file, cwd),
    ...(f.blame ? { blame: place(f.blame) } : {}),
    ...(f.rule ? { rule: { ...f.rule, ...(f.rule.effect ? { effect: place(f.rule.effect) } : {}) } } : {}),
    ...(f.cause
      ? { cause: { ...f.cause, file: f.cause.file === null ? null : displayPath(f.cause.file, cwd), message: f.cause.message === null ? null : displayText(f.cause.message, cwd) } }
      : {}),
    message: displayText(f.message, cwd),
    ...(f.detail ? { detail: displayText(f.detail, cwd) } : {}),
    hint: f.hint === null ? null : displayText(f.hint, cwd),
    reproduce: displayText(f.reproduce, cwd),
    ...(f.case ? { case: displayRecord(f.case, cwd) } : {}),
  };
}

export function displayNote(n: Note, cwd = process.cwd()): Note {
  return { ...n, file: n.file === null ? null : displayPath(n.file, cwd), message: displayText(n.message, cwd), action: displayText(n.action, cwd) };
}

export function displayResult(r: CheckResult, cwd = process.cwd()): CheckResult {
  return {
    ...r,
    findings: r.findings.map((f) => displayFinding(f, cwd)),
    ...(r.reason ? { reason: displayText(r.reason, cwd) } : {}),
    ...(r.notes ? { notes: r.notes.map((n) => displayNote(n, cwd)) } : {}),
    ...(r.details ? { details: displayRecord(r.details, cwd) } : {}),
  };
}

/** A report as a reader sees it from `cwd`: its set, and every path in its checks, by the display rule. */
export function displayReport(report: RunReport, cwd = process.cwd()): RunReport {
  return { ...report, set: displayPath(report.set, cwd), checks: report.checks.map((r) => displayResult(r, cwd)) };
}
