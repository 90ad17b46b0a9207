import { writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { parseChecks, DEFAULT_CHECKS } from '../checks/index.js';
import { interrupted, releaseAll } from '../postgres/cleanup.js';
import { DEFAULT_MAJOR } from '../postgres/embedded.js';
import { DEFAULT_IMAGE } from '../postgres/container.js';
import { PROVIDERS } from '../postgres/providers.js';
import { RUNNERS } from '../runners/index.js';
import { runChecks, type RunReport, type RunRequest } from '../run.js';
import { toJson } from '../report/json.js';
import { TextReporter } from '../report/text.js';
import { VERSION } from '../version.js';
import { describeError, UsageError } from './errors.js';
import { runScenario } from './scenario.js';
import { formatLint, lintCommand } from '../lint/command.js';

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
    .argument('<dir>', 'the folder of the migration set')
    .addOption(new Option('--runner <model>', 'the runner model that applies the set').choices(Object.keys(RUNNERS)).makeOptionMandatory())
    .option('--checks <list>', `checks to run, comma-separated`, DEFAULT_CHECKS.join(','))
    .option('--pg <versions>', `PostgreSQL major versions, comma-separated: 14 to 18 (embedded; default ${DEFAULT_MAJOR}); with an image without {pg} or a url, the server's own`)
    .addOption(new Option('--provider <name>', 'where PostgreSQL comes from: embedded (npm binaries), container (Docker, --image), url (an existing server, --url or DATABASE_URL); default: container with --image, url with --url, else embedded').choices(Object.keys(PROVIDERS)))
    .option('--image <image>', `container image; {pg} stands for each --pg version (default ${DEFAULT_IMAGE})`)
    .option('--url <url>', 'postgres:// URL of an existing server for --provider url (default: DATABASE_URL); its role needs CREATEDB')
    .option('--seed <n>', 'seed for property-based checks', parseInteger('--seed'))
    .option('--runs <n>', 'cases per property-based check', parseInteger('--runs'))
    .option('--exhaustive', 'enumerate every case instead of sampling')
    .option('--faults <kinds>', 'fault kinds for check fault: error, terminate, crash (embedded and container)', 'error,terminate')
    .option('--path <path>', "replay one shrunk case: fast-check's counterexample path, with --seed")
    .option('--runner-option <name=value>', 'an option of the runner model (repeatable), e.g. transactions=true', collectOption, {})
    .option('--retry <policy>', 'retry policy in codd\'s syntax, "max N backoff (constant|exponential) T(s|ms)" (codd default: max 2 backoff exponential 1s; none for the other runners)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--out <file>', 'write the report to a file instead of stdout')
    .action(async (dir: string, opts: Record<string, unknown>) => {
      const request: RunRequest = {
        dir,
        runner: opts.runner as string,
        checks: parseChecks(opts.checks as string),
        postgres: opts.pg !== undefined ? parseVersions(opts.pg as string) : [],
        provider: (opts.provider as string | undefined) ?? (opts.image !== undefined ? 'container' : opts.url !== undefined ? 'url' : 'embedded'),
        ...(opts.image !== undefined ? { image: opts.image as string } : {}),
        ...(opts.url !== undefined ? { url: opts.url as string } : {}),
        options: {
          ...(opts.seed !== undefined ? { seed: opts.seed as number } : {}),
          ...(opts.runs !== undefined ? { runs: opts.runs as number } : {}),
          ...(opts.exhaustive ? { exhaustive: true } : {}),
          ...(opts.path !== undefined ? { path: opts.path as string } : {}),
          faults: parseFaults(opts.faults as string),
        },
        runnerOptions: opts.runnerOption as Record<string, string>,
        ...(opts.retry !== undefined ? { retry: opts.retry as string } : {}),
      };
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
