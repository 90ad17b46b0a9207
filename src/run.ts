import { loadSet } from './migrations/load.js';
import { initParser } from './migrations/split.js';
import type { Env, MigrationSet } from './migrations/types.js';
import { serverStarts } from './postgres/providers.js';
import { urlWithoutPassword } from './postgres/url.js';
import type { Server } from './postgres/types.js';
import { runnerModel } from './runners/registry.js';
import { effectiveRetry } from './runners/retry.js';
import { check as findCheck } from './checks/index.js';
import { States } from './checks/states.js';
import { argumentPath, displayPath } from './checks/findings.js';
import type { CheckName, CheckOptions, CheckResult, Shard } from './checks/types.js';
import { InputError } from './migrations/types.js';
import { VERSION } from './version.js';
import { pairFindings } from './checks/lint.js';
import { cannotRun, SetDoesNotApply } from './checks/applies.js';

export interface RunRequest {
  dir: string;
  runner: string;
  checks: CheckName[];
  /** `--pg`: major versions; empty means the provider's default (see serverStarts). */
  postgres: number[];
  provider: string;
  /** `--image` for the container provider; `{pg}` stands for each version. */
  image?: string;
  /** `--url` for the url provider (absent: DATABASE_URL). Holds a password maybe: never printed. */
  url?: string;
  /**
   * A server the caller started and stops (a test suite sharing one container, say): the run uses
   * it instead of starting its own; `provider`, `image` and `url` then only shape reproduce commands.
   */
  server?: Server;
  options: CheckOptions;
  /** `--runner-option name=value` pairs. */
  runnerOptions?: Record<string, string>;
  /**
   * `--retry "max N backoff (constant|exponential) T(s|ms)"`. Absent: the tool's own policy
   * (RunnerModel.retry), none for a tool without retries.
   */
  retry?: string;
  /**
   * The environment variables the set may read (`${VAR}` substitution): the command line and the
   * vitest helper pass the process's. Absent: none.
   */
  env?: Env;
}

/** The JSON contract of DESIGN.md. */
export interface RunReport {
  ok: boolean;
  tool: 'migtest';
  version: string;
  set: string;
  runner: string;
  postgres: string[];
  /** Present when the run was one shard of several (`--shard index/count`). */
  shard?: Shard;
  checks: CheckResult[];
}

/**
 * Checks whose cases `--shard` splits (they enumerate or sample them in checks/explore.ts). Every
 * other check is one case (`fresh`, `twice`) or static (`lint`): it runs on shard 1 only.
 */
export const SHARDED_CHECKS: readonly CheckName[] = ['resume', 'fault', 'retry'];

/** Whether a check runs on this shard. */
export function runsOnShard(check: CheckName, shard: Shard | undefined): boolean {
  return !shard || SHARDED_CHECKS.includes(check) || shard.index === 1;
}

/** Refuses a shard that is not `1 ≤ index ≤ count`, and sampling that would differ between shards. */
export function validateShard(request: RunRequest): Shard | undefined {
  const shard = request.options.shard;
  if (!shard) return undefined;
  const { index, count } = shard;
  if (!Number.isInteger(index) || !Number.isInteger(count) || count < 1 || index < 1 || index > count) {
    throw new InputError(`--shard ${index}/${count} is not a shard: it takes i/n with 1 ≤ i ≤ n`, undefined, undefined, undefined, 'use e.g. --shard 2/4');
  }
  if (request.options.path !== undefined && count > 1) {
    throw new InputError('--path replays one case, which no shard splits', undefined, undefined, undefined, 'leave out --shard when you give --path');
  }
  const samples = !request.options.exhaustive && request.checks.some((c) => SHARDED_CHECKS.includes(c));
  if (samples && count > 1 && request.options.seed === undefined) {
    throw new InputError(
      '--shard splits sampled cases between machines only if every shard samples the same ones',
      undefined,
      undefined,
      undefined,
      'give every shard the same --seed N (e.g. the CI run id), or use --exhaustive',
    );
  }
  return shard;
}

export interface RunEvents {
  onLoaded?(info: { set: string; runner: string; migrations: number; shard?: Shard }): void;
  onServer?(info: { provider: string; version: string; startMs: number }): void;
  onCheckStart?(name: CheckName, postgres: string): void;
  /** Cases of the running check done so far, of `total`. */
  onProgress?(name: CheckName, done: number, total: number): void;
  onCheckEnd?(result: CheckResult): void;
}

/**
 * The command line that reproduces one check of a request. `env`: the environment variables the
 * set reads (the `${VAR}`s its files declare, directive `env-vars`), named before the command as
 * `A="${A?}"`: never a value, yet the line still runs in a POSIX shell, passing on the value of the
 * shell it runs in (exported or not), and it stops with the variable's name when that shell does
 * not have it set, rather than running the set with another value than the one that gave the finding.
 */
export function reproduceCommand(request: RunRequest, check: CheckName, major: number, extra: string[] = [], env: string[] = []): string {
  const parts = [...env.map((name) => `${name}="\${${name}?}"`), 'npx migtest check', quote(argumentPath(request.dir)), '--runner', request.runner, '--checks', check, '--pg', String(major)];
  for (const [name, value] of Object.entries(request.runnerOptions ?? {})) parts.push('--runner-option', quote(`${name}=${value}`));
  if (request.retry !== undefined) parts.push('--retry', quote(request.retry));
  if (request.provider !== 'embedded') parts.push('--provider', request.provider);
  if (request.image !== undefined) parts.push('--image', quote(request.image));
  // Without its password (PGPASSWORD supplies it); a url from DATABASE_URL stays in the environment.
  if (request.url !== undefined) parts.push('--url', quote(urlWithoutPassword(request.url)));
  if (request.options.exhaustive) parts.push('--exhaustive');
  if (check === 'fault' && request.options.faults && request.options.faults.join(',') !== 'error,terminate') {
    parts.push('--faults', request.options.faults.join(','));
  }
  if (request.options.seed !== undefined && !extra.includes('--seed')) parts.push('--seed', String(request.options.seed));
  if (request.options.runs !== undefined) parts.push('--runs', String(request.options.runs));
  return [...parts, ...extra].join(' ');
}

/** The environment variables a set reads (directive `env-vars`), each once, in the order the files name them. */
export function setEnvNames(set: MigrationSet): string[] {
  const names = set.migrations.flatMap((m) => {
    const declared = m.directives['env-vars'];
    return Array.isArray(declared) ? declared : [];
  });
  return [...new Set(names)].filter((name) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name));
}

function quote(arg: string): string {
  return /^[\w./@:,=+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Loads the set, starts one server per PostgreSQL version, and runs every check on it. */
export async function runChecks(request: RunRequest, events: RunEvents = {}): Promise<RunReport> {
  const model = runnerModel(request.runner);
  const shard = validateShard(request);
  const checks = request.checks.map(findCheck).filter((c) => runsOnShard(c.name, shard));
  await initParser();
  const env = request.env ?? {};
  const set = await loadSet(request.dir, model.format, env);
  // Planned before any server starts, so that unknown runner options are refused first.
  const plan = model.plan(set, request.runnerOptions ?? {});
  const retry = effectiveRetry(model, request.retry); // and a malformed retry policy
  const options = { ...request.options, ...(retry ? { retry } : {}) };
  const envNames = setEnvNames(set);
  for (const check of checks) check.prepare?.(set, options, { runner: model.name, runnerOptions: request.runnerOptions ?? {}, postgres: request.postgres });
  const { provider, starts } = request.server
    ? { provider: undefined, starts: [{}] }
    : serverStarts(request, request.postgres);
  const report: RunReport = {
    ok: true,
    tool: 'migtest',
    version: VERSION,
    set: displayPath(set.dir),
    runner: model.name,
    postgres: [],
    ...(shard ? { shard } : {}),
    checks: [],
  };
  events.onLoaded?.({ set: report.set, runner: model.name, migrations: set.migrations.length, ...(shard ? { shard } : {}) });
  // A shard that none of the requested checks runs on needs no server.
  for (const start of checks.length > 0 ? starts : []) {
    const started = Date.now();
    const server = request.server ?? (await provider!.start(start));
    try {
      report.postgres.push(server.version);
      events.onServer?.({ provider: server.provider, version: server.version, startMs: Date.now() - started });
      const states = new States(server, set, model, { runnerOptions: request.runnerOptions ?? {}, env, ...(retry ? { retry } : {}) });
      for (const check of checks) {
        events.onCheckStart?.(check.name, String(server.major));
        const begun = performance.now();
        const reproduce = (name: CheckName, extra?: string[]): string => reproduceCommand(request, name, server.major, extra, envNames);
        const outcome = await check
          .run({ set, model, server, states, options, reproduce, progress: (done, total) => events.onProgress?.(check.name, done, total) })
          // The one place where a check that cannot run becomes a failure, whatever --checks holds.
          .catch((error: unknown) => {
            if (error instanceof SetDoesNotApply) return cannotRun(check.name, error.trace, reproduce(check.name));
            throw error;
          });
        const result: CheckResult = {
          name: check.name,
          postgres: String(server.major),
          status: outcome.status,
          cases: outcome.cases,
          durationMs: Math.round(performance.now() - begun),
          findings: outcome.findings,
          ...(outcome.reason ? { reason: outcome.reason } : {}),
          notes: outcome.notes ?? [],
          ...(outcome.details ? { details: outcome.details } : {}),
        };
        await states.settle();
        if (result.status === 'fail') report.ok = false;
        report.checks.push(result);
        events.onCheckEnd?.(result);
      }
      await states.close();
    } finally {
      if (!request.server) await server.stop();
    }
  }
  // Each lint finding says whether execution confirmed it; each dynamic one which rule would have caught it.
  report.checks = pairFindings(report.checks, plan);
  return report;
}
