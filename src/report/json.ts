import type { RunReport } from '../run.js';
import { withUnified } from '../snapshot/format.js';

/** The machine contract of DESIGN.md: one object, stable field order. */
export function toJson(report: RunReport): string {
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
      ...(f.case ? { case: f.case } : {}),
    })),
    ...(r.details ? { details: r.details } : {}),
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
      checks,
    },
    null,
    2,
  );
}
