import { resolve } from 'node:path';
import type { Env, MigrationSet } from './migrations/types.js';
import { ownRetryVariable } from './runners/retry.js';
import { urlWithoutPassword } from './postgres/url.js';
import { showDuration, type Limits } from './postgres/limits.js';
import { argumentIn, shellWord as quote } from './checks/paths.js';
import type { CheckName, CheckOptions } from './checks/types.js';
import type { RunnerModel, RunnerOptions } from './runners/types.js';

/*
 * The command lines a finding prints to reproduce it: for a check (`migtest check`) and for lint
 * (`migtest lint`). They name the set by its absolute path, marked for the reporter to show (src/checks/paths.ts),
 * and never print a password.
 */

/** What a reproduce command repeats of a request (a RunRequest has all of it). */
export interface Reproducible {
  dir: string;
  runner: string;
  provider: string;
  image?: string;
  url?: string;
  runnerOptions?: RunnerOptions;
  retry?: string;
  role?: string;
  setup?: string[];
  verify?: string[];
  options: Pick<CheckOptions, 'exhaustive' | 'faults' | 'seed' | 'runs' | 'direction' | 'replicas' | 'rows'>;
  limits?: Partial<Limits>;
}

/**
 * The command line that reproduces one check of a request. `env`: the environment variables the
 * set reads (the `${VAR}`s its files declare, directive `env-vars`), named before the command as
 * `A="${A?}"`: never a value, yet the line still runs in a POSIX shell, passing on the value of the
 * shell it runs in (exported or not), and it stops with the variable's name when that shell does
 * not have it set, rather than running the set with another value than the one that gave the finding.
 */
export function reproduceCommand(request: Reproducible, check: CheckName, major: number, extra: string[] = [], env: string[] = []): string {
  const parts = [...env.map((name) => `${name}="\${${name}?}"`), 'npx migtest check', argumentIn(resolve(request.dir)), '--runner', request.runner, '--checks', check, '--pg', String(major)];
  for (const [name, value] of Object.entries(request.runnerOptions ?? {})) parts.push('--runner-option', quote(`${name}=${value}`));
  if (request.retry !== undefined) parts.push('--retry', quote(request.retry));
  if (request.role !== undefined) parts.push('--role', quote(request.role));
  for (const file of request.setup ?? []) parts.push('--setup', argumentIn(resolve(file)));
  for (const file of request.verify ?? []) parts.push('--verify', argumentIn(resolve(file)));
  if (request.provider !== 'embedded') parts.push('--provider', request.provider);
  if (request.image !== undefined) parts.push('--image', quote(request.image));
  // Without its password (PGPASSWORD supplies it); a url from DATABASE_URL stays in the environment.
  if (request.url !== undefined) parts.push('--url', quote(urlWithoutPassword(request.url)));
  if (request.options.direction === 'down' && (check === 'fault' || check === 'resume')) parts.push('--direction', 'down');
  if (request.options.exhaustive) parts.push('--exhaustive');
  if (request.limits?.statementMs !== undefined) parts.push('--statement-timeout', showDuration(request.limits.statementMs));
  if (request.limits?.caseMs !== undefined) parts.push('--case-timeout', showDuration(request.limits.caseMs));
  if (check === 'fault' && request.options.faults && request.options.faults.join(',') !== 'error,terminate') {
    parts.push('--faults', request.options.faults.join(','));
  }
  if (check === 'concurrent' && request.options.replicas !== undefined && request.options.replicas !== 2) parts.push('--replicas', String(request.options.replicas));
  if (check === 'populated' && request.options.rows !== undefined) parts.push('--rows', String(request.options.rows));
  if (request.options.seed !== undefined && !extra.includes('--seed')) parts.push('--seed', String(request.options.seed));
  if (request.options.runs !== undefined) parts.push('--runs', String(request.options.runs));
  return [...parts, ...extra].join(' ');
}

/**
 * The environment variables a run reads: those the set's files declare (directive `env-vars`), each
 * once, in the order the files name them; then the environment variable the tool reads its retry
 * policy from (RunnerModel.retry.environment) when the run's policy came from it (set in `env`, no
 * `retry` given).
 */
export function setEnvNames(set: MigrationSet, model?: Pick<RunnerModel, 'retry'>, retry?: string, env: Env = {}): string[] {
  const names = set.migrations.flatMap((m) => {
    const declared = m.directives['env-vars'];
    return Array.isArray(declared) ? declared : [];
  });
  const own = model ? ownRetryVariable(model, retry, env) : undefined;
  return [...new Set([...names, ...(own ? [own] : [])])].filter((name) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name));
}

/** The command line that reproduces a lint run. */
export function lintReproduce(dir: string, runner: string, runnerOptions: RunnerOptions = {}): string {
  const parts = ['npx migtest lint', argumentIn(resolve(dir)), '--runner', runner];
  for (const [name, value] of Object.entries(runnerOptions)) parts.push('--runner-option', quote(`${name}=${value}`));
  return parts.join(' ');
}
