import type { RunReport } from '../checks/types.js';
import { annotations } from './github.js';

/*
 * CI-native output: under GitHub Actions the annotations come by themselves, beside the log a
 * person reads, as vitest and squawk do; nobody has to know `--format github` exists.
 */

/** What a command prints where, as `--format` and `--out` chose it (src/cli/check.ts parseOutput). */
export interface OutputChoice {
  format: 'text' | 'json' | 'junit' | 'github';
  out?: string;
  /** With `out`: the log format printed on stdout beside the file. */
  stdout?: 'text' | 'github';
  /** false: never (`migtest run`: a scenario's findings are predictions, and its stdout may be JSON). */
  annotate?: false;
}

/** The format stdout carries: a log (text, github), a machine format (json, junit), or nothing (all went to --out). */
export function stdoutFormat(output: OutputChoice): OutputChoice['format'] | 'nothing' {
  if (output.stdout) return output.stdout;
  return output.out ? 'nothing' : output.format;
}

/** GitHub sets GITHUB_ACTIONS=true in every step of a workflow run. */
export function underGithubActions(env: Record<string, string | undefined>): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/**
 * The `::error` and `::warning` lines to print on stdout after the run, or '' for none. Only
 * under GitHub Actions, and only when stdout is a log nobody parses: text, or empty because the
 * report went to --out. Never a second time when the log is `github` already, and never into
 * json or junit on stdout, which a line of anything else would make unreadable (a job that
 * wants both writes the file with --out, or says `--format github,json --out report.json`).
 */
export function ciAnnotations(report: RunReport, output: OutputChoice, env: Record<string, string | undefined>, cwd = process.cwd()): string {
  if (!underGithubActions(env) || output.annotate === false) return '';
  const carries = stdoutFormat(output);
  if (carries !== 'text' && carries !== 'nothing') return '';
  const lines = annotations(report, { workspace: env.GITHUB_WORKSPACE, cwd });
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}
