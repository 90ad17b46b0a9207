import type { CheckName, CheckOutcome, CheckResult } from './types.js';

/** A check's result as the report holds it: its outcome, on which server major, and how long it took since `begun` (performance.now()). */
export function checkResult(name: CheckName, postgres: number, outcome: CheckOutcome, begun: number): CheckResult {
  return {
    name,
    postgres: String(postgres),
    status: outcome.status,
    cases: outcome.cases,
    durationMs: Math.round(performance.now() - begun),
    findings: outcome.findings,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    notes: outcome.notes ?? [],
    ...(outcome.details ? { details: outcome.details } : {}),
  };
}
