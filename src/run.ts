import { checkResult } from './checks/result.js';
import type { Env } from './migrations/types.js';
import type { Server } from './postgres/types.js';
import type { Limits } from './postgres/limits.js';
import { runnerModel } from './runners/registry.js';
import { check as findCheck } from './checks/index.js';
import type { RunSettings } from './checks/states.js';
import { onEachServer, prepare } from './prepare.js';
import type { CheckName, CheckOptions, CheckResult, RunReport, Shard } from './checks/types.js';
import { InputError } from './migrations/types.js';
import { reproduceCommand, setEnvNames } from './reproduce.js';
import { VERSION } from './version.js';
import { pairFindings } from './checks/lint.js';
import { cannotRun, SetDoesNotApply } from './checks/applies.js';
import { validateCheckOptions } from './checks/options.js';
import { changedFiles } from './changes/git.js';
import { onlyChanged, onlyChangedIn } from './changes/filter.js';
import { runToolChecks } from './checks/tool/run.js';

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
  /** `--statement-timeout`, `--case-timeout` (and the connect timeout); absent ones take DEFAULT_LIMITS. */
  limits?: Partial<Limits>;
  /** `--runner-option name=value` pairs. */
  runnerOptions?: Record<string, string>;
  /** `--role`: run the set as this role, no superuser, owner of each case's database. */
  role?: string;
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
  /** `--setup` files: run once per server before the set, the base state of every case. */
  setup?: string[];
  /** `--verify` files: statements that must hold on every state a check reaches. */
  verify?: string[];
  /** `--changed-since REF`: report only findings in files changed since REF (src/changes/). */
  changedSince?: string;
  /** `--tool "<command line>"`: run the real tool through the wire proxy instead of the runner model (src/checks/tool/). */
  tool?: string;
  /** `--tool-tracker`: the tables the tool records its migrations in. */
  toolTracker?: string[];
  /** `--jobs`: cases run at once; absent: two per core, within the server's connections (src/checks/jobs.ts). */
  jobs?: number;
  /** `--memory`: bytes the kept template databases may take (src/checks/kept.ts); absent: from the free space. */
  memory?: number;
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
  onLoaded?(info: { set: string; runner: string; migrations: number; shard?: Shard; changedSince?: { ref: string; files: number } }): void;
  onServer?(info: { provider: string; version: string; startMs: number }): void;
  onCheckStart?(name: CheckName, postgres: string): void;
  /**
   * Progress of the running check: `done` of `total`. An enumeration counts its cases; a sample
   * counts fast-check's draws, of which there are `total` but which can repeat a case, so the
   * check ends with as many cases as or fewer than its draws.
   */
  onProgress?(name: CheckName, done: number, total: number, unit?: 'cases' | 'draws'): void;
  onCheckEnd?(result: CheckResult): void;
}

/** Loads the set, starts one server per PostgreSQL version, and runs every check on it. */
export async function runChecks(request: RunRequest, events: RunEvents = {}): Promise<RunReport> {
  if (request.tool !== undefined) return runToolChecks({ ...request, tool: request.tool }, events);
  runnerModel(request.runner); // an unknown runner is refused first
  const shard = validateShard(request);
  validateCheckOptions(request.options, request.checks);
  const checks = request.checks.map(findCheck).filter((c) => runsOnShard(c.name, shard));
  const prepared = await prepare({
    dir: request.dir,
    runner: request.runner,
    runnerOptions: request.runnerOptions ?? {},
    env: request.env ?? {},
    ...(request.retry !== undefined ? { retry: request.retry } : {}),
    ...(request.role !== undefined ? { role: request.role } : {}),
    ...(request.setup ? { setup: request.setup } : {}),
    ...(request.verify ? { verify: request.verify } : {}),
    ...(request.jobs !== undefined ? { jobs: request.jobs } : {}),
    ...(request.memory !== undefined ? { memory: request.memory } : {}),
    servers: request.server ? { server: request.server } : { ...request, postgres: request.postgres },
    validate: ({ set, model, settings }) => {
      const options = withRetry(request.options, settings);
      for (const check of checks) check.prepare?.(set, options, { runner: model.name, runnerOptions: settings.runnerOptions, postgres: request.postgres });
    },
  });
  const { model, set, plan, settings } = prepared;
  // Read once the set is: a bad ref or no git repository is exit 2 before any server starts.
  const changes = request.changedSince !== undefined ? changedFiles(set.dir, request.changedSince) : undefined;
  const options = withRetry(request.options, settings);
  const envNames = setEnvNames(set, model, request.retry, request.env);
  const report: RunReport = {
    ok: true,
    tool: 'migtest',
    version: VERSION,
    set: set.dir,
    runner: model.name,
    postgres: [],
    ...(shard ? { shard } : {}),
    ...(changes ? { changedSince: { ref: changes.ref, files: changes.countIn(set.dir) } } : {}),
    checks: [],
  };
  /** Every check's result before --changed-since leaves findings out. */
  const all: CheckResult[] = [];
  events.onLoaded?.({
    set: report.set,
    runner: model.name,
    migrations: set.migrations.length,
    ...(shard ? { shard } : {}),
    ...(report.changedSince ? { changedSince: report.changedSince } : {}),
  });
  // A shard that none of the requested checks runs on needs no server.
  if (checks.length === 0) return report;
  await onEachServer(prepared, async (server, states, { startMs }) => {
    report.postgres.push(server.version);
    events.onServer?.({ provider: server.provider, version: server.version, startMs });
    for (const check of checks) {
      events.onCheckStart?.(check.name, String(server.major));
      const begun = performance.now();
      const reproduce = (name: CheckName, extra?: string[]): string => reproduceCommand(request, name, server.major, extra, envNames);
      const outcome = await check
        .run({ set, model, server, states, options, reproduce, progress: (done, total) => events.onProgress?.(check.name, done, total, options.exhaustive ? 'cases' : 'draws') })
        // The one place where a check that cannot run becomes a failure, whatever --checks holds.
        .catch((error: unknown) => {
          if (error instanceof SetDoesNotApply) return cannotRun(check.name, error.trace, reproduce(check.name));
          throw error;
        });
      const result: CheckResult = checkResult(check.name, server.major, outcome, begun);
      await states.settle();
      all.push(result);
      // What is reported: with --changed-since, only the findings of changed files.
      const shown = changes ? onlyChangedIn(result, (file) => changes.has(file), set.dir) : result;
      if (shown.status === 'fail') report.ok = false;
      report.checks.push(shown);
      events.onCheckEnd?.(shown);
    }
  });
  // Each lint finding says whether execution confirmed it; each dynamic one which rule would have caught it.
  // Paired over every finding (one in an unchanged file still confirms a rule), then left out again.
  report.checks = pairFindings(all, plan);
  return changes ? onlyChanged(report, (file) => changes.has(file), set.dir) : report;
}

/** The check options with the retry policy runs use (given, or the tool's own): the retry check injects under it. */
function withRetry(options: CheckOptions, settings: RunSettings): CheckOptions {
  return { ...options, ...(settings.retry ? { retry: settings.retry } : {}) };
}
