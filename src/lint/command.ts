import type { CheckResult, RunReport } from '../checks/types.js';
import { lintReproduce } from '../reproduce.js';
import { prepare } from '../prepare.js';
import type { Env } from '../migrations/types.js';
import type { RunnerOptions } from '../runners/types.js';
import { VERSION } from '../version.js';
import { lintSet } from './engine.js';
import { changedFiles } from '../changes/git.js';
import { onlyChanged } from '../changes/filter.js';

export interface LintCommandOptions {
  /** `--runner-option name=value` pairs. */
  runnerOptions?: RunnerOptions;
  /** The environment variables the set may read (`${VAR}` substitution); none when absent. */
  env?: Env;
  /**
   * `--changed-since REF`: report only findings in files changed since REF. The whole set is
   * still linted, since a rule follows the schema that earlier files make.
   */
  changedSince?: string;
}

/**
 * `migtest lint <dir> --runner <model>`: loads the set, lints it under the model's plan, and
 * returns the report in the JSON contract's shape (one check, `lint`, with no PostgreSQL) and the
 * exit code: 0 no finding, 1 findings. Bad input (an unloadable set, an unknown runner or option)
 * throws InputError, which the command line turns into exit code 2.
 */
export async function lintCommand(dir: string, runner: string, options: LintCommandOptions = {}): Promise<{ report: RunReport; code: number }> {
  const started = performance.now();
  const { model, set, plan, settings, loading } = await prepare({ dir, runner, runnerOptions: options.runnerOptions ?? {}, env: options.env ?? {}, load: 'lint' });
  const { runnerOptions } = settings;
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
    set: set.dir,
    runner: model.name,
    postgres: [],
    checks: [result],
  };
  if (options.changedSince === undefined) return { report, code: report.ok ? 0 : 1 };
  const changes = changedFiles(set.dir, options.changedSince);
  const shown: RunReport = { ...onlyChanged(report, (file) => changes.has(file), set.dir), changedSince: { ref: changes.ref, files: changes.countIn(set.dir) } };
  return { report: shown, code: shown.ok ? 0 : 1 };
}
