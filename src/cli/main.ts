import { writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { parseChecks, DEFAULT_CHECKS } from '../checks/index.js';
import { interrupted, releaseAll } from '../postgres/cleanup.js';
import { DEFAULT_MAJOR } from '../postgres/embedded.js';
import { RUNNERS } from '../runners/index.js';
import { runChecks, type RunReport, type RunRequest } from '../run.js';
import { toJson } from '../report/json.js';
import { TextReporter } from '../report/text.js';
import { VERSION } from '../version.js';
import { describeError, UsageError } from './errors.js';
import { runScenario } from './scenario.js';
import { formatLint, lintCommand } from '../lint/command.js';
import { checksWithExpected, parseIgnore } from '../checks/expected.js';
import { snapshotCommand } from './snapshot.js';
import { requestFromConfig } from '../config/file.js';

export type Format = 'text' | 'json';

export interface Output {
  format: Format;
  out?: string;
}

function parseVersions(value: string): number[] {
  const versions = value.split(',').map((v) => v.trim());
  if (versions.some((v) => !/^\d{2}$/.test(v))) throw new UsageError(`--pg takes major versions such as 17 or 14,15,16,17,18, not '${value}'`);
  return versions.map(Number);
}

function parseFaults(value: string): ('error' | 'terminate' | 'crash')[] {
  const kinds = value.split(',').map((k) => k.trim()).filter(Boolean);
  const known = ['error', 'terminate', 'crash'];
  const unknown = kinds.find((k) => !known.includes(k));
  if (unknown !== undefined || kinds.length === 0) throw new UsageError(`--faults takes ${known.join(', ')}, not '${value}'`);
  return [...new Set(kinds)] as ('error' | 'terminate' | 'crash')[];
}

function collectOption(value: string, previous: Record<string, string>): Record<string, string> {
  const match = /^([\w-]+)=(.*)$/.exec(value);
  if (!match) throw new UsageError(`--runner-option takes name=value, e.g. transactions=true, not '${value}'`);
  return { ...previous, [match[1]!]: match[2]! };
}

function collectList(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseInteger(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new UsageError(`${name} takes a whole number, not '${value}'`);
    return Number(value);
  };
}

/** Runs one request and prints it; returns the exit code. */
export async function check(request: RunRequest, output: Output): Promise<{ code: number; report: RunReport }> {
  const tty = process.stdout.isTTY === true && !process.env.CI;
  const color = output.format === 'text' && !output.out && tty && !process.env.NO_COLOR;
  const text = output.format === 'text' ? new TextReporter({ color, live: tty && !output.out, write: (s) => process.stdout.write(s) }) : undefined;
  const report = await runChecks(request, text ?? {});
  text?.summary(report);
  if (output.format === 'json') {
    const json = toJson(report) + '\n';
    if (output.out) writeFileSync(output.out, json);
    else process.stdout.write(json);
  }
  return { code: report.ok ? 0 : 1, report };
}

function program(result: { code: number }): Command {
  const cli = new Command('migtest')
    .description('Tests PostgreSQL migration sets the way their tool runs them: fresh, twice, after faults.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError(false);

  cli
    .command('check')
    .description('run checks on a migration set')
    .argument('[dir]', 'the folder of the migration set (with --config: its set by default)')
    .addOption(new Option('--runner <model>', 'the runner model that applies the set (required without --config)').choices(Object.keys(RUNNERS)))
    .option('--config <file>', 'a migtest.config.ts (or .mjs, .js): its settings, which the options given here replace')
    .option('--checks <list>', `checks to run, comma-separated`, DEFAULT_CHECKS.join(','))
    .option('--pg <versions>', 'PostgreSQL major versions, comma-separated: 14 to 18 (embedded)', String(DEFAULT_MAJOR))
    .addOption(new Option('--provider <name>', 'where PostgreSQL comes from').choices(['embedded']).default('embedded'))
    .option('--seed <n>', 'seed for property-based checks', parseInteger('--seed'))
    .option('--runs <n>', 'cases per property-based check', parseInteger('--runs'))
    .option('--exhaustive', 'enumerate every case instead of sampling')
    .option('--faults <kinds>', 'fault kinds for check fault: error, terminate, crash (embedded only)', 'error,terminate')
    .option('--path <path>', "replay one shrunk case: fast-check's counterexample path, with --seed")
    .option('--runner-option <name=value>', 'an option of the runner model (repeatable), e.g. transactions=true', collectOption, {})
    .option('--retry <policy>', 'retry policy in codd\'s syntax, "max N backoff (constant|exponential) T(s|ms)" (codd default: max 2 backoff exponential 1s; none for the other runners)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--expected <folder>', 'expected-schema folder of check expected (default: expected-schema/ beside the set)')
    .option('--ignore <what>', 'leave out of check expected: column-order, owners, privileges (repeatable or comma-separated)', collectList, [])
    .action(async (dir: string | undefined, opts: Record<string, unknown>, command: Command) => {
      const ignore = parseIgnore(opts.ignore as string[]);
      let request: RunRequest = {
        dir: dir ?? '',
        runner: opts.runner as string,
        checks: parseChecks(opts.checks as string),
        postgres: parseVersions(opts.pg as string),
        provider: opts.provider as string,
        options: {
          ...(opts.seed !== undefined ? { seed: opts.seed as number } : {}),
          ...(opts.runs !== undefined ? { runs: opts.runs as number } : {}),
          ...(opts.exhaustive ? { exhaustive: true } : {}),
          ...(opts.path !== undefined ? { path: opts.path as string } : {}),
          faults: parseFaults(opts.faults as string),
          ...(opts.expected !== undefined ? { expected: opts.expected as string } : {}),
          ...(ignore.length > 0 ? { ignore } : {}),
        },
        runnerOptions: opts.runnerOption as Record<string, string>,
        ...(opts.retry !== undefined ? { retry: opts.retry as string } : {}),
      };
      if (opts.config !== undefined) {
        request = await requestFromConfig(opts.config as string, request, (flag) => command.getOptionValueSource(flag) === 'cli');
      } else if (dir === undefined || opts.runner === undefined) {
        throw new UsageError(dir === undefined ? 'check needs the folder of a migration set, or --config' : 'check needs --runner <model>, or --config');
      }
      if (opts.config === undefined && command.getOptionValueSource('checks') === 'default') {
        // Without --checks, a set with an expected-schema folder is also compared with it.
        request = { ...request, checks: checksWithExpected(request.checks, request.dir, opts.expected as string | undefined) };
      }
      const output: Output = { format: opts.format as Format, ...(opts.out ? { out: opts.out as string } : {}) };
      result.code = (await check(request, output)).code;
    });

  cli
    .command('lint')
    .description('lint a migration set under the semantics of its runner, without a server')
    .argument('<dir>', 'the folder of the migration set')
    .addOption(new Option('--runner <model>', 'the runner model that applies the set').choices(Object.keys(RUNNERS)).makeOptionMandatory())
    .option('--runner-option <name=value>', 'an option of the runner model (repeatable), e.g. transactions=true', collectOption, {})
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--out <file>', 'write the report to a file instead of stdout')
    .action(async (dir: string, opts: Record<string, unknown>) => {
      const { report, code } = await lintCommand(dir, opts.runner as string, { runnerOptions: opts.runnerOption as Record<string, string> });
      const color = opts.format === 'text' && !opts.out && process.stdout.isTTY === true && !process.env.CI && !process.env.NO_COLOR;
      const text = opts.format === 'json' ? toJson(report) + '\n' : formatLint(report, { color });
      if (opts.out) writeFileSync(opts.out as string, text);
      else process.stdout.write(text);
      result.code = code;
    });

  cli
    .command('snapshot')
    .description('apply the set to an empty database and write its schema as expected-schema files, one per object')
    .argument('<dir>', 'the folder of the migration set')
    .addOption(new Option('--runner <model>', 'the runner model that applies the set').choices(Object.keys(RUNNERS)).makeOptionMandatory())
    .option('--pg <versions>', 'PostgreSQL major versions, comma-separated: 14 to 18 (embedded)', String(DEFAULT_MAJOR))
    .addOption(new Option('--provider <name>', 'where PostgreSQL comes from').choices(['embedded']).default('embedded'))
    .option('--out <folder>', 'where to write (default: expected-schema/ beside the set); files go to <folder>/pg<major>/')
    .option('--runner-option <name=value>', 'an option of the runner model (repeatable), e.g. transactions=true', collectOption, {})
    .action(async (dir: string, opts: Record<string, unknown>) => {
      result.code = await snapshotCommand(
        {
          dir,
          runner: opts.runner as string,
          postgres: parseVersions(opts.pg as string),
          provider: opts.provider as string,
          ...(opts.out !== undefined ? { out: opts.out as string } : {}),
          runnerOptions: opts.runnerOption as Record<string, string>,
        },
        (text) => process.stdout.write(text),
      );
    });

  cli
    .command('run')
    .description('run a scenario and compare its findings with the ones it predicts')
    .argument('<scenario>', 'a scenario file, e.g. scenarios/certctl-double-run')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (file: string, opts: Record<string, unknown>) => {
      result.code = await runScenario(file, opts.format as Format);
    });
  return cli;
}

/** The command line: returns the exit code (0 passed, 1 findings, 2 usage, input or infrastructure). */
export async function main(argv: string[]): Promise<number> {
  const result = { code: 0 };
  try {
    await program(result).parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; every other commander error is a usage error.
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    if (!interrupted()) process.stderr.write(describeError(error) + '\n');
    return 2;
  } finally {
    await releaseAll();
  }
}
