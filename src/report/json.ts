import type { RunReport } from '../checks/types.js';
import { withUnified } from '../snapshot/format.js';
import { VERSION } from '../version.js';
import { displayReport } from './paths.js';

/** The machine contract of DESIGN.md: one object, stable field order; paths shown from `cwd` (src/report/paths.ts). */
export function toJson(run: RunReport, cwd = process.cwd()): string {
  const report = displayReport(run, cwd);
  const checks = report.checks.map((r) => ({
    name: r.name,
    postgres: r.postgres,
    status: r.status,
    cases: r.cases,
    durationMs: r.durationMs,
    ...(r.reason ? { reason: r.reason } : {}),
    findings: r.findings.map((f) => ({
      check: f.check,
      file: f.file,
      line: f.line,
      column: f.column,
      statement: f.statement,
      sqlstate: f.sqlstate,
      message: f.message,
      detail: f.detail ?? null,
      hint: f.hint,
      diff: f.diff ? f.diff.map(withUnified) : null,
      reproduce: f.reproduce,
      // How many cases ended in this same finding (one root cause); `reproduce` is the first case's.
      cases: f.cases ?? 1,
      ...(f.case ? { case: f.case } : {}),
      ...(f.rows ? { rows: f.rows } : {}),
    })),
    // Always present: what the tool always does, with the operator's action; never a failure.
    notes: (r.notes ?? []).map((n) => ({ check: n.check, file: n.file, message: n.message, action: n.action })),
    ...(r.details ? { details: r.details } : {}),
    // --changed-since: findings in files the change did not touch, left out.
    ...(r.unreported ? { unreported: r.unreported } : {}),
  }));
  return JSON.stringify(
    {
      ok: report.ok,
      tool: report.tool,
      version: report.version,
      set: report.set,
      runner: report.runner,
      postgres: report.postgres,
      ...(report.shard ? { shard: { index: report.shard.index, count: report.shard.count } } : {}),
      ...(report.changedSince ? { changedSince: { ref: report.changedSince.ref, files: report.changedSince.files } } : {}),
      checks,
    },
    null,
    2,
  );
}

/**
 * What `--format json` prints when the run stops before it has a report (exit 2): bad input, a
 * usage error, a server that would not start, an unexpected failure. A CI job that parses stdout
 * still gets one object, with the reason; `file` and `line` when the input names a place.
 */
export function errorJson(error: { message: string; file: string | null; line: number | null; fix: string | null }): string {
  return JSON.stringify(
    { ok: false, tool: 'migtest', version: VERSION, error: { message: error.message, file: error.file, line: error.line, fix: error.fix } },
    null,
    2,
  );
}
