import { lintReproduce } from '../reproduce.js';
import { lintSet } from '../lint/engine.js';
import type { Plan } from '../runners/types.js';
import type { Check, CheckName, CheckResult, Finding, Place } from './types.js';

/**
 * The `lint` check: the static rules of src/lint on the set as the runner plans it. It needs no
 * server and runs in milliseconds; with `twice`, `resume` or `fault` in the same run,
 * `pairFindings` tells which lint findings execution confirmed.
 */
export const lint: Check = {
  name: 'lint',
  summary: 'static rules: re-run safety, transaction safety and runner pitfalls, aware of the runner model',
  async run(context) {
    const plan = context.states.plan;
    const runnerOptions = context.states.settings.runnerOptions ?? {};
    const findings = lintSet({
      set: context.set,
      model: context.model,
      plan,
      runnerOptions,
      reproduce: lintReproduce(context.set.dir, context.model.name, runnerOptions),
    });
    const statements = context.set.migrations.reduce((n, m) => n + m.up.statements.length, 0);
    return { status: findings.length > 0 ? 'fail' : 'pass', cases: statements, findings };
  },
};

/** Checks that execute the set: their findings can confirm a lint finding. */
const DYNAMIC: readonly CheckName[] = ['fresh', 'twice', 'resume', 'fault', 'retry', 'down', 'populated'];

/**
 * Where a dynamic finding puts the blame: its `blame` when it has one (a recovery finding is
 * located at the point of the fault, but what broke is the statement the next run failed at),
 * else its own location (the failing statement, or for a data difference the statement that
 * wrote the table).
 */
export function blameOf(finding: Finding): Place | undefined {
  if (finding.blame) return finding.blame;
  if (finding.file !== null && finding.line !== null) return { file: finding.file, line: finding.line };
  return undefined;
}

/**
 * Whether a dynamic finding confirms a lint finding: it blames the lint finding's statement, and
 * when both name a SQLSTATE (the server's, the one the rule predicts) they are the same; so a
 * 25001 at a CREATE INDEX CONCURRENTLY does not confirm that the same index lacks IF NOT EXISTS.
 */
function confirms(dynamicFinding: Finding, place: Place | undefined, lintFinding: Finding): boolean {
  if (!place || !covers(lintFinding, place)) return false;
  const expects = lintFinding.rule?.expects;
  return dynamicFinding.sqlstate === null || expects === undefined || expects === dynamicFinding.sqlstate;
}

/** Whether a lint finding's statement (its lines, or the place its rule says execution shows it) holds `place`. */
function covers(lintFinding: Finding, place: Place): boolean {
  const effect = lintFinding.rule?.effect;
  if (effect && effect.file === place.file && effect.line === place.line) return true;
  const endLine = lintFinding.rule?.endLine ?? lintFinding.line;
  return lintFinding.file === place.file && lintFinding.line !== null && endLine !== null && place.line >= lintFinding.line && place.line <= endLine;
}

/** Plan order of every statement (the parser's statements, as lint numbers them), by display file. */
function orderOf(plan: Plan): (place: Place) => number | undefined {
  const spans: { file: string; line: number; endLine: number; order: number }[] = [];
  let order = 0;
  for (const block of plan.blocks) {
    for (const migration of block.migrations) {
      for (const s of migration.up.statements) {
        spans.push({ file: s.file, line: s.line, endLine: s.line + s.sql.split('\n').length - 1, order: order++ });
      }
    }
  }
  return (place) => spans.find((s) => s.file === place.file && place.line >= s.line && place.line <= s.endLine)?.order;
}

/**
 * Pairs the findings of `lint` with those of the checks that executed the set, per PostgreSQL
 * version. A dynamic finding confirms a lint finding when it blames a line of the lint finding's
 * statement (same file, line within the statement's lines), or the line where the rule says
 * execution shows the problem (`case.effect`), with the SQLSTATE the rule predicts if both have
 * one. Then:
 * - each lint finding gets `case.confirmed` (true/false) and `case.confirmedBy` (check names);
 *   when a `fresh` or `twice` run stopped at an error before the statement (plan order, or a
 *   later line of the same file without a plan), it also gets `case.unreached: true`: execution
 *   never got there, so it could not confirm it;
 * - each dynamic finding gets `case.lint`: the rules whose findings it confirms (empty: lint
 *   would not have caught it).
 * Nothing is added when lint or every dynamic check is missing (or skipped). Pure; idempotent.
 */
export function pairFindings(results: CheckResult[], plan?: Plan): CheckResult[] {
  const order = plan ? orderOf(plan) : undefined;
  const byVersion = new Map<string, CheckResult[]>();
  for (const r of results) byVersion.set(r.postgres, [...(byVersion.get(r.postgres) ?? []), r]);
  const paired = new Map<CheckResult, CheckResult>();

  for (const group of byVersion.values()) {
    const lintResult = group.find((r) => r.name === 'lint');
    const dynamic = group.filter((r) => DYNAMIC.includes(r.name) && r.status !== 'skip');
    if (!lintResult || dynamic.length === 0) continue;

    const blamed = dynamic.flatMap((r) => r.findings.map((f) => ({ check: r.name, finding: f, place: blameOf(f) })));
    // Where a first or second run stopped at an error: statements after it never ran there.
    const stops = blamed.filter((b) => (b.check === 'fresh' || b.check === 'twice') && b.finding.sqlstate !== null && b.place);
    const unreached = (l: Finding): boolean =>
      stops.some(({ place }) => {
        const lOrder = l.rule?.order;
        const stopOrder = order?.(place!);
        if (lOrder !== undefined && stopOrder !== undefined) return stopOrder < lOrder;
        return place!.file === l.file && l.line !== null && place!.line < l.line;
      });

    const lintFindings = lintResult.findings.map((l) => {
      const by = blamed.filter((b) => confirms(b.finding, b.place, l));
      const { confirmed: _c, confirmedBy: _b, unreached: _u, ...rest } = l.case ?? {};
      const caseOf: Record<string, unknown> = { ...rest, confirmed: by.length > 0 };
      if (by.length > 0) caseOf.confirmedBy = [...new Set(by.map((b) => b.check))];
      else if (unreached(l)) caseOf.unreached = true;
      return { ...l, case: caseOf };
    });
    paired.set(lintResult, { ...lintResult, findings: lintFindings });

    for (const r of dynamic) {
      const findings = r.findings.map((f) => {
        const place = blameOf(f);
        const rules = lintResult.findings.filter((l) => confirms(f, place, l)).map((l) => String(l.rule?.id));
        return { ...f, case: { ...(f.case ?? {}), lint: [...new Set(rules)] } };
      });
      paired.set(r, { ...r, findings });
    }
  }
  return results.map((r) => paired.get(r) ?? r);
}
