import { afterAll, beforeAll, describe, test } from 'vitest';
import { displayPath, displayText } from './report/paths.js';
import type { CheckName, CheckResult } from './checks/types.js';
import { describeError } from './cli/errors.js';
import { asConfig, configRequest, type MigtestConfig, type MigtestConfigInput } from './config/define.js';
import { releaseAll } from './postgres/cleanup.js';
import { TextReporter } from './report/text.js';
import { runChecks, type RunRequest } from './run.js';
import { lintCommand } from './lint/command.js';

export { defineConfig, type MigtestConfig, type MigtestConfigInput } from './config/define.js';

/** A check may take this long by default; the first test of a version also waits for its server. */
export const DEFAULT_CHECK_TIMEOUT_MS = 120_000;

export interface SuiteOptions {
  /** The outer `describe`'s name; by default `migtest <set> (<runner>)`. */
  name?: string;
}

/** The findings of a failed check, as the command line prints them. */
export class MigtestFindings extends Error {
  declare readonly result: CheckResult;

  constructor(result: CheckResult) {
    const text = new TextReporter({ color: false, live: false, write: () => {} });
    const count = `${result.findings.length} finding${result.findings.length === 1 ? '' : 's'}`;
    // A check that could not run (the set does not apply) fails with the first run's error as its finding.
    const why = result.reason ? `${displayText(result.reason)}, ${count}` : count;
    const notes = (result.notes ?? []).map((n) => text.note(n)).join('');
    // lint reads no server: it has no PostgreSQL version to name.
    const where = result.postgres === 'none' ? '' : ` on PostgreSQL ${result.postgres}`;
    super(`${result.name} failed${where}: ${why}\n${notes}${result.findings.map((f) => text.finding(f)).join('')}`);
    this.name = 'MigtestFindings';
    // Not enumerable: vitest prints an error's own fields, and the text above already says it all.
    Object.defineProperty(this, 'result', { value: result, enumerable: false });
    // The findings say where the problem is; a stack into migtest's own code would only hide them.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** An error that stopped a run (bad input, a server that would not start), told without a stack. */
class MigtestRunError extends Error {
  constructor(error: unknown) {
    super(describeError(error).replace(/^migtest: /, ''));
    this.name = 'MigtestError';
    this.stack = `${this.name}: ${this.message}`;
  }
}

interface Outcome {
  promise: Promise<CheckResult>;
  settle(result: CheckResult | Error): void;
}

function outcome(): Outcome {
  let settle!: (result: CheckResult | Error) => void;
  const promise = new Promise<CheckResult>((resolve, reject) => {
    settle = (result) => (result instanceof Error ? reject(result) : resolve(result));
  });
  // A run that fails before a test waits for its check must not count as an unhandled rejection.
  promise.catch(() => {});
  return { promise, settle };
}

/**
 * The checks of one PostgreSQL version: one run (one server) for all of them, each check's
 * result handed to its test as soon as the check ends.
 */
class VersionRun {
  readonly #outcomes = new Map<CheckName, Outcome>();
  #finished: Promise<void> | undefined;
  #done = false;

  constructor(private readonly request: RunRequest) {
    for (const name of request.checks) this.#outcomes.set(name, outcome());
  }

  start(): void {
    this.#finished ??= runChecks(this.request, { onCheckEnd: (result) => this.#outcomes.get(result.name)?.settle(result) })
      .then(
        () => undefined,
        (error: unknown) => {
          const failure = new MigtestRunError(error);
          for (const o of this.#outcomes.values()) o.settle(failure);
        },
      )
      .finally(() => {
        this.#done = true;
        // A check the run never reported (it cannot happen unless a check is dropped) must not hang its test.
        for (const [name, o] of this.#outcomes) o.settle(new Error(`migtest: the run ended without a result for ${name}`));
      });
  }

  result(name: CheckName): Promise<CheckResult> {
    this.start();
    return this.#outcomes.get(name)!.promise;
  }

  /** Waits for the run to stop its server; one still busy after a timed-out test is stopped now. */
  async stop(): Promise<void> {
    if (!this.#finished) return;
    if (!this.#done) await releaseAll();
    await this.#finished;
  }
}

/** The `lint` test of a set: static, so one for the set, whatever the versions. */
function lintTest(request: RunRequest, timeout: number): void {
  test(
    'lint',
    async () => {
      let result: CheckResult;
      try {
        const { report } = await lintCommand(request.dir, request.runner, { runnerOptions: request.runnerOptions ?? {}, env: request.env ?? {} });
        result = report.checks[0]!;
      } catch (error) {
        throw new MigtestRunError(error);
      }
      if (result.status === 'fail') throw new MigtestFindings(result);
    },
    timeout,
  );
}

/**
 * Registers migtest's checks in the calling vitest file: one `describe` per PostgreSQL version,
 * one `test` per check. A version's server starts before its first check and stops after its
 * last, also when a test fails or times out. `lint` reads no server and gives the same findings
 * on every version: it is one test of the set, beside the versions.
 */
export function migtestSuite(config: MigtestConfig | MigtestConfigInput, options: SuiteOptions = {}): void {
  const valid = asConfig(config);
  // The environment a set reads (`${VAR}` substitution) is the process's: read here, at the edge.
  const request: RunRequest = { ...configRequest(valid), env: process.env };
  const timeout = valid.timeout ?? DEFAULT_CHECK_TIMEOUT_MS;
  describe(options.name ?? `migtest ${displayPath(request.dir)} (${request.runner})`, () => {
    if (request.checks.includes('lint')) lintTest(request, timeout);
    const checks = request.checks.filter((name) => name !== 'lint');
    if (checks.length === 0) return;
    // No version: one server (a url, an image without {pg}) whose own version the run takes.
    const majors: (number | undefined)[] = request.postgres.length > 0 ? request.postgres : [undefined];
    for (const major of majors) {
      describe(major === undefined ? `PostgreSQL (the server's version)` : `PostgreSQL ${major}`, () => {
        const run = new VersionRun({ ...request, checks, postgres: major === undefined ? [] : [major] });
        beforeAll(() => run.start());
        afterAll(() => run.stop(), timeout);
        for (const name of checks) {
          test(
            name,
            async (context) => {
              const result = await run.result(name);
              if (result.status === 'skip') context.skip(result.reason ? displayText(result.reason) : `${name} does not apply`);
              if (result.status === 'fail') throw new MigtestFindings(result);
            },
            timeout,
          );
        }
      });
    }
  });
}
