import pc from 'picocolors';
import { argumentPath, displayPath } from '../checks/findings.js';
import type { CheckResult, Finding } from '../checks/types.js';
import type { RunReport } from '../run.js';
import { runnerModel } from '../runners/registry.js';
import type { Env } from '../migrations/types.js';
import type { RunnerOptions } from '../runners/types.js';
import { VERSION } from '../version.js';
import { lintSet } from './engine.js';
import { loadForLint } from './load.js';

export interface LintCommandOptions {
  /** `--runner-option name=value` pairs. */
  runnerOptions?: RunnerOptions;
  /** The environment variables the set may read (`${VAR}` substitution); none when absent. */
  env?: Env;
}

/** The command line that reproduces a lint run. */
export function lintReproduce(dir: string, runner: string, runnerOptions: RunnerOptions = {}): string {
  const parts = ['npx migtest lint', quote(argumentPath(dir)), '--runner', runner];
  for (const [name, value] of Object.entries(runnerOptions)) parts.push('--runner-option', quote(`${name}=${value}`));
  return parts.join(' ');
}

function quote(arg: string): string {
  return /^[\w./@:,=+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * `migtest lint <dir> --runner <model>`: loads the set, lints it under the model's plan, and
 * returns the report in the JSON contract's shape (one check, `lint`, with no PostgreSQL) and the
 * exit code: 0 no finding, 1 findings. Bad input (an unloadable set, an unknown runner or option)
 * throws InputError, which the command line turns into exit code 2.
 */
export async function lintCommand(dir: string, runner: string, options: LintCommandOptions = {}): Promise<{ report: RunReport; code: number }> {
  const started = performance.now();
  const model = runnerModel(runner);
  const runnerOptions = options.runnerOptions ?? {};
  const { set, loading } = await loadForLint(dir, model, options.env ?? {});
  const plan = model.plan(set, runnerOptions); // refuses unknown runner options
  const findings = lintSet({ set, model, plan, runnerOptions, loading, reproduce: lintReproduce(set.dir, model.name, runnerOptions) });
  const result: CheckResult = {
    name: 'lint',
    postgres: 'none',
    status: findings.length > 0 ? 'fail' : 'pass',
    cases: set.migrations.reduce((n, m) => n + m.up.statements.length, 0),
    durationMs: Math.round(performance.now() - started),
    findings,
  };
  const report: RunReport = {
    ok: findings.length === 0,
    tool: 'migtest',
    version: VERSION,
    set: displayPath(set.dir),
    runner: model.name,
    postgres: [],
    checks: [result],
  };
  return { report, code: report.ok ? 0 : 1 };
}

/** The text output of `migtest lint`: one block per finding, then a summary line. */
export function formatLint(report: RunReport, options: { color?: boolean } = {}): string {
  const c = pc.createColors(options.color ?? false);
  const result = report.checks.find((r) => r.name === 'lint');
  const findings = result?.findings ?? [];
  const out: string[] = [`${c.bold('migtest')} ${report.version} · ${report.set} · runner ${report.runner} · lint`];
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
