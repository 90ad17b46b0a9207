import { relative, isAbsolute } from 'node:path';
import { CANNOT_RUN } from '../checks/applies.js';
import type { CheckResult, Finding, RunReport } from '../checks/types.js';

/*
 * `--changed-since`: the checks ran the whole set (a change is only safe on the states the whole
 * set reaches), and the report keeps only what the change touched. Pure: the changed files are
 * read by src/changes/git.ts.
 */

/** Whether `file` is inside the folder `dir` (both absolute). */
function inside(file: string, dir: string): boolean {
  const path = relative(dir, file);
  return path !== '' && !path.startsWith('..') && !isAbsolute(path);
}

/**
 * Whether a finding stays in the report: it is in a changed file (or names one as where what
 * broke is), or it is not about one migration file: set-wide (no file), or about a file outside
 * the set (a --verify statement, which states something of every state).
 */
export function reported(finding: Finding, changed: (file: string) => boolean, setDir: string): boolean {
  if (finding.file === null || !inside(finding.file, setDir)) return true;
  return changed(finding.file) || (finding.blame !== undefined && changed(finding.blame.file));
}

/**
 * The report with only the findings of changed files. Kept whole: `fresh` (a set that does not
 * apply is everyone's problem, and no other check could say anything of it) and a check that could
 * not run (never turned into a pass). A check whose every finding is left out passes, with
 * `unreported` saying how many were.
 */
export function onlyChanged(report: RunReport, changed: (file: string) => boolean, setDir: string): RunReport {
  const checks = report.checks.map((result) => onlyChangedIn(result, changed, setDir));
  return { ...report, checks, ok: checks.every((c) => c.status !== 'fail') };
}

/** One check's result with only the findings of changed files (see onlyChanged). */
export function onlyChangedIn(result: CheckResult, changed: (file: string) => boolean, setDir: string): CheckResult {
  if (result.name === 'fresh' || result.reason === CANNOT_RUN || result.findings.length === 0) return result;
  const kept = result.findings.filter((f) => reported(f, changed, setDir));
  if (kept.length === result.findings.length) return result;
  const unreported = result.findings.length - kept.length;
  return { ...result, findings: kept, status: kept.length === 0 ? 'pass' : result.status, unreported };
}

/** How many files of the set's folder changed: what the report's header says it reports on. */
export function changedInSet(files: Iterable<string>, setDir: string): number {
  return [...files].filter((file) => inside(file, setDir)).length;
}
