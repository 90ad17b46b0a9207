import type { Finding } from '../checks/types.js';
import type { MigrationSet } from '../migrations/types.js';
import type { Plan, RunnerModel, RunnerOptions } from '../runners/types.js';
import { buildContext } from './context.js';
import { RULES, ruleApplies } from './rules/index.js';
import { unusedIgnore } from './rules/unused-ignore.js';
import { Suppressions } from './suppress.js';
import type { LintContext, LintStatement, Problem, Rule, TextPlace } from './types.js';

export interface LintRequest {
  set: MigrationSet;
  model: RunnerModel;
  runnerOptions?: RunnerOptions;
  /** The runner's plan of the set, made once for the run (src/prepare.ts). */
  plan: Plan;
  /** The command line that reproduces the findings. */
  reproduce: string;
  /** Problems found before the set could be parsed whole (psql meta-commands), with their rule. */
  loading?: { rule: Rule; problem: Problem }[];
  /** The rules to run (default: all). */
  rules?: readonly Rule[];
}

interface Reported {
  rule: Rule;
  problem: Problem;
}

/**
 * Lints a loaded set under a runner model: every rule over every statement of the plan (each
 * statement parsed at most once), then the suppression comments. Pure: no server, no files.
 */
export function lintSet(request: LintRequest): Finding[] {
  const { set, model } = request;
  const runnerOptions = request.runnerOptions ?? {};
  const { plan } = request;
  const context = buildContext(set, model, plan, runnerOptions);
  const rules = (request.rules ?? RULES).filter((rule) => ruleApplies(rule, model.name));

  const reported: Reported[] = [...(request.loading ?? [])];
  const byKind = new Map<string, Rule[]>();
  const everyKind: Rule[] = [];
  for (const rule of rules) {
    if (!rule.statement) continue;
    if (!rule.kinds) everyKind.push(rule);
    for (const kind of rule.kinds ?? []) byKind.set(kind, [...(byKind.get(kind) ?? []), rule]);
  }
  for (const target of context.statements) {
    for (const rule of [...everyKind, ...(byKind.get(target.statement.kind) ?? [])]) {
      // Re-run rules only speak where the statement can run twice.
      if (rule.category === 're-run' && !target.rerun) continue;
      for (const problem of asList(rule.statement!(target, context))) reported.push({ rule, problem });
    }
  }
  for (const rule of rules) {
    if (!rule.migration) continue;
    for (const migration of set.migrations) {
      for (const problem of rule.migration(migration, context)) reported.push({ rule, problem });
    }
  }

  const suppressions = new Suppressions(set);
  const kept = reported.filter(({ rule, problem }) => !suppressions.suppresses(rule.id, span(problem.at)));
  for (const { comment, rule } of suppressions.unused()) {
    const known = RULES.some((r) => r.id === rule);
    kept.push({
      rule: unusedIgnore,
      problem: {
        at: { file: comment.file, line: comment.line, column: comment.column, text: comment.text },
        message: known
          ? `the comment ignores ${rule}, but no ${rule} finding is on the statement it belongs to (the next statement, or the one on its line)`
          : `the comment ignores ${rule}, which is not a rule`,
        hint: known ? 'delete the comment (or move it to the statement it was meant for)' : `correct the rule id; the rules are: ${RULES.map((r) => r.id).join(', ')}`,
      },
    });
  }
  return sortByPlan(kept, context).map(({ rule, problem }) => toFinding(rule, problem, request.reproduce));
}

function asList(result: Problem | Problem[] | undefined): Problem[] {
  if (!result) return [];
  return Array.isArray(result) ? result : [result];
}

function isStatement(at: LintStatement | TextPlace): at is LintStatement {
  return 'statement' in at && typeof at.statement === 'object';
}

function span(at: LintStatement | TextPlace): { file: string; line: number; endLine: number } {
  if (isStatement(at)) return { file: at.statement.file, line: at.statement.line, endLine: at.endLine };
  return { file: at.file, line: at.line, endLine: at.endLine ?? at.line };
}

/** Plan order: by the position of the statement, or of the file and line for other places. */
function sortByPlan(reported: Reported[], context: LintContext): Reported[] {
  const fileOrder = new Map<string, number>();
  for (const s of context.statements) if (!fileOrder.has(s.statement.file)) fileOrder.set(s.statement.file, fileOrder.size);
  const ruleOrder = new Map(RULES.map((rule, i) => [rule.id, i]));
  const key = (r: Reported): [number, number, number] => {
    const place = span(r.problem.at);
    return [fileOrder.get(place.file) ?? Number.MAX_SAFE_INTEGER, place.line, ruleOrder.get(r.rule.id) ?? 0];
  };
  return [...reported].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2];
  });
}

/** The JSON contract's finding: `rule` is what the pairing with dynamic checks reads, `case` says the same for the reader. */
export function toFinding(rule: Rule, problem: Problem, reproduce: string): Finding {
  const at = problem.at;
  const place = span(at);
  const statement = isStatement(at) ? at : undefined;
  return {
    check: 'lint',
    file: place.file,
    line: problem.inner?.line ?? place.line,
    column: problem.inner?.column ?? (statement ? statement.statement.column : (at as TextPlace).column),
    statement: problem.inner?.sql ?? (statement ? statement.statement.sql : ((at as TextPlace).text ?? null)),
    sqlstate: null,
    message: `${rule.id}: ${problem.message}`,
    detail: null,
    hint: problem.hint,
    diff: null,
    reproduce,
    rule: {
      id: rule.id,
      endLine: place.endLine,
      ...(problem.sqlstate ? { expects: problem.sqlstate } : {}),
      ...(statement ? { order: statement.order } : {}),
      ...(problem.effect ? { effect: { file: problem.effect.file, line: problem.effect.line } } : {}),
    },
    case: {
      rule: rule.id,
      category: rule.category,
      endLine: place.endLine,
      ...(statement?.rerun ? { rerun: statement.rerun } : {}),
      ...(problem.sqlstate ? { expects: problem.sqlstate } : {}),
      ...(statement ? { block: statement.block.index, order: statement.order } : {}),
      ...(problem.effect ? { effect: { file: problem.effect.file, line: problem.effect.line } } : {}),
    },
  };
}
