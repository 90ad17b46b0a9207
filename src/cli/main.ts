import { Command, CommanderError, Option } from 'commander';
import { parseSize } from '../checks/budget.js';
import { parseChecks, DEFAULT_CHECKS } from '../checks/index.js';
import { install as handleSignals, interrupted, releaseAll, signalExitCode } from '../postgres/cleanup.js';
import { parseDuration } from '../postgres/limits.js';
import { DEFAULT_MAJOR } from '../postgres/embedded.js';
import { DEFAULT_IMAGE } from '../postgres/container.js';
import { PROVIDERS } from '../postgres/providers.js';
import { TOOL_NAMES, TOOLS } from '../runners/registry.js';
import type { RunRequest } from '../run.js';
import { errorJson } from '../report/json.js';
import { VERSION } from '../version.js';
import { describeError, errorReport, UsageError } from './errors.js';
import { runScenario } from './scenario.js';
import { check, parseOutput, writeReport, type Format } from './check.js';
import { lintCommand } from '../lint/command.js';
import { renderLint } from '../report/lint.js';
import { ciAnnotations } from '../report/ci.js';
import { checksWithExpected, parseIgnore } from '../checks/expected.js';
import { snapshotCommand } from './snapshot.js';
import { checkOut, OutRefused } from './out.js';
import { requestFromConfig } from '../config/file.js';
import { configRequest } from '../config/define.js';
import { CONFIG_NAMES } from '../config/discover.js';
import { checkConfigExpected, commandConfig, lintTarget, needsSet, outputOf } from './config.js';
import { wantsColor } from './color.js';
import { commanderError } from './commander-errors.js';

/** `--shard i/n` with 1 ≤ i ≤ n. */
export function parseShard(value: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard takes i/n with 1 ≤ i ≤ n, e.g. 2/4, not '${value}'`);
  }
  return { index, count };
}

function parseVersions(value: string): number[] {
  const versions = value.split(',').map((v) => v.trim());
  if (versions.some((v) => !/^\d{2}$/.test(v))) throw new UsageError(`--pg takes major versions such as 17 or 14,15,16,17,18, not '${value}'`);
  // 17,17 is one version: each runs every check on a server of its own, so twice would run all twice.
  return [...new Set(versions.map(Number))];
}

function parseFaults(value: string, known = ['error', 'terminate', 'crash']): ('error' | 'terminate' | 'crash')[] {
  const kinds = value.split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = kinds.find((k) => !known.includes(k));
  if (unknown !== undefined || kinds.length === 0) throw new UsageError(`--faults takes ${known.join(', ')}, not '${value}'`);
  return [...new Set(kinds)] as ('error' | 'terminate' | 'crash')[];
}

/* No default value for the repeatable options: commander would print `(default: {})` in --help. */
function collectOption(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const match = /^([\w-]+)=(.*)$/.exec(value);
  if (!match) throw new UsageError(`--runner-option takes name=value, e.g. transactions=true, not '${value}'`);
  return { ...previous, [match[1]!]: match[2]! };
}

function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const CONFIG_HELP = `a config file (default: the nearest ${CONFIG_NAMES.join(', ')} from the current folder upward); the options given here replace its settings`;
const NO_CONFIG_HELP = 'use no config file, even if one is found';


/** --provider, --image and --url: an image alone means container, a url alone means url. */
function serverOptions(opts: Record<string, unknown>): { provider: string; image?: string; url?: string } {
  return {
    provider: (opts.provider as string | undefined) ?? (opts.image !== undefined ? 'container' : opts.url !== undefined ? 'url' : 'embedded'),
    ...(opts.image !== undefined ? { image: opts.image as string } : {}),
    ...(opts.url !== undefined ? { url: opts.url as string } : {}),
  };
}

/** A whole number given exactly: never one that a double would round (above 2^53-1), which would print as another. */
/** `--replicas N`: at least two, or nothing runs at the same moment. */
function parseReplicas(value: string): number {
  const n = parseInteger('--replicas')(value);
  if (n < 2) throw new UsageError(`--replicas takes 2 or more, not ${value}: check concurrent runs replicas of the runner at the same moment`);
  return n;
}

/** `--jobs N`: one or more cases at once. */
function parseJobs(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--jobs takes a whole number of cases to run at once, 1 or more, not '${value}'`);
  }
  return Number(value);
}

/** `--memory SIZE`: bytes, with an optional unit (KB, MB, GB, TB: powers of 1024). */
function parseMemory(value: string): number {
  const bytes = parseSize(value);
  if (bytes === undefined || bytes < 1) {
    throw new UsageError(`--memory takes a size such as 512MB, 2GB or 1.5GiB, not '${value}'`);
  }
  return bytes;
}

function parseInteger(name: string, least = 0) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new UsageError(`${name} takes a whole number, not '${value}'`);
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw new UsageError(`${name} ${value} is above ${Number.MAX_SAFE_INTEGER} (2^53-1), the largest whole number migtest holds exactly`);
    if (n < least) throw new UsageError(`${name} takes ${least} or more, not ${value}: a check that samples no case would pass having tried nothing`);
    return n;
  };
}

/** A repeatable file option without a default, so that --help shows none. */
function collectFiles(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** --setup, --verify and --changed-since (issue 14), as the request takes them. */
function setupOptions(opts: Record<string, unknown>): Pick<RunRequest, 'setup' | 'verify' | 'changedSince'> {
  const setup = (opts.setup as string[] | undefined) ?? [];
  const verify = (opts.verify as string[] | undefined) ?? [];
  return {
    ...(setup.length > 0 ? { setup } : {}),
    ...(verify.length > 0 ? { verify } : {}),
    ...(opts.changedSince !== undefined ? { changedSince: opts.changedSince as string } : {}),
  };
}

/** --statement-timeout and --case-timeout, as the run's limits. */
function timeoutOptions(opts: Record<string, unknown>): Pick<RunRequest, 'limits'> {
  const statement = opts.statementTimeout as string | undefined;
  const kase = opts.caseTimeout as string | undefined;
  if (statement === undefined && kase === undefined) return {};
  return {
    limits: {
      ...(statement !== undefined ? { statementMs: parseDuration(statement, '--statement-timeout') } : {}),
      ...(kase !== undefined ? { caseMs: parseDuration(kase, '--case-timeout') } : {}),
    },
  };
}

function program(result: { code: number }): Command {
  const cli = new Command('migtest')
    .description('Tests PostgreSQL migration sets the way their tool runs them: fresh, twice, after faults.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: () => {} })
    .showHelpAfterError(false);

  cli
    .command('check')
    .description('run checks on a migration set (the default command: `migtest` alone runs the checks of the config found)')
    .argument('[dir]', "the folder of the migration set (with a config: the config's set by default)")
    .addOption(new Option('--runner <model>', 'the runner model that applies the set (required without a config)').choices(TOOL_NAMES))
    .option('--config <file>', CONFIG_HELP)
    .option('--no-config', NO_CONFIG_HELP)
    .option('--quiet', 'print only the failed checks with their findings, and the verdict line: no header, no progress')
    .option('--checks <list>', `checks to run, comma-separated (default: the config's; without one, ${DEFAULT_CHECKS.join(',')} and expected when the set has an expected-schema folder)`)
    .option('--pg <versions>', `PostgreSQL major versions, comma-separated: 14 to 18 (embedded; default ${DEFAULT_MAJOR}); with an image without {pg} or a url, the server's own`)
    .addOption(new Option('--provider <name>', 'where PostgreSQL comes from: embedded (npm binaries), container (Docker, --image), url (an existing server, --url or DATABASE_URL); default: container with --image, url with --url, else embedded').choices(Object.keys(PROVIDERS)))
    .option('--image <image>', `container image; {pg} stands for each --pg version (default ${DEFAULT_IMAGE})`)
    .option('--url <url>', 'postgres:// URL of an existing server for --provider url (default: DATABASE_URL); its role needs CREATEDB')
    .option('--seed <n>', 'seed for property-based checks', parseInteger('--seed'))
    .option('--runs <n>', 'cases per property-based check', parseInteger('--runs', 1))
    .option('--exhaustive', 'enumerate every case instead of sampling')
    .option('--replicas <n>', 'replicas that run the set at the same moment in check concurrent (default 2)', parseReplicas)
    .option('--rows <n>', 'generated rows per table in check populated (default 5)', parseInteger('--rows', 1))
    .option('--jobs <n>', 'cases run at once (default: two per core of this machine, within the server\'s free connections); verdicts and output do not depend on it', parseJobs)
    .option('--memory <size>', 'room the kept template databases may take on the server, e.g. 512MB, 4GB (default: half the free space where the cluster lives, at most 2 GiB); least recently used ones are dropped and built again when needed; verdicts do not depend on it', parseMemory)
    .option('--shard <i/n>', 'run shard i of n: the cases of resume, fault and retry split across n machines (same --seed on each); fresh, twice and lint on shard 1')
    .addOption(new Option('--direction <up|down>', 'down: checks fault and resume run over the tool\'s rollback (for a tool with down migrations), one down section at a time; default up').choices(['up', 'down']))
    .option('--faults <kinds>', 'fault kinds for check fault: error, terminate, crash (embedded and container); with --tool: error, terminate, ack-lost (default all three)', 'error,terminate')
    .option('--tool <command>', 'run this command line (the real tool, unchanged) instead of a runner model, through a fault-injecting proxy: DATABASE_URL and PG* point at the case database, {url} and {dir} are replaced; see docs/tools.md')
    .option('--tool-tracker <table>', 'with --tool: the table the tool records its migrations in, compared as a tracker (repeatable or comma-separated)', collectList)
    .option('--statement-timeout <duration>', 'longest one statement of a migration may run, e.g. 500ms, 30s, 5m: past it, a finding (default 5m)')
    .option('--role <name>', 'run the set as this role (LOGIN, no superuser, owner of each case\'s database), as a production deploy user; embedded and container')
    .option('--case-timeout <duration>', 'longest one run of the set on a case\'s database may take, even with statement_timeout turned off (default 15m)')
    .option('--path <path>', "replay one shrunk case: fast-check's counterexample path, with --seed")
    .option('--runner-option <name=value>', 'an option of the runner model (repeatable), e.g. transactions=true', collectOption)
    .option('--retry <policy>', retryHelp())
    .option('--format <format>', 'output format: text, json, junit or github; or a log and a file format, e.g. github,junit with --out', 'text')
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--expected <folder>', 'expected-schema folder of check expected (default: expected-schema/ beside the set)')
    .option('--ignore <what>', 'leave out of check expected: column-order, owners, privileges (repeatable or comma-separated)', collectList)
    .option('--setup <file.sql>', 'SQL run once on each server before the set: roles, schemas, extensions the set expects (repeatable)', collectFiles)
    .option('--verify <file.sql>', 'SQL that must hold on every state a check reaches: each statement succeeds, a query returns true in every row (repeatable)', collectFiles)
    .option('--changed-since <ref>', 'report only findings in files added or changed since this git ref (merge base with HEAD, plus uncommitted files); every check still runs the whole set')
    .action(async (dir: string | undefined, opts: Record<string, unknown>, command: Command) => {
      const found = await commandConfig(opts.config);
      const ignore = parseIgnore((opts.ignore as string[] | undefined) ?? []);
      let request: RunRequest = {
        dir: dir ?? '',
        runner: opts.runner as string,
        checks: parseChecks((opts.checks as string | undefined) ?? DEFAULT_CHECKS.join(',')),
        postgres: opts.pg !== undefined ? parseVersions(opts.pg as string) : [],
        ...serverOptions(opts),
        options: {
          ...(opts.shard !== undefined ? { shard: parseShard(opts.shard as string) } : {}),
          ...(opts.seed !== undefined ? { seed: opts.seed as number } : {}),
          ...(opts.runs !== undefined ? { runs: opts.runs as number } : {}),
          ...(opts.exhaustive ? { exhaustive: true } : {}),
          ...(opts.direction !== undefined ? { direction: opts.direction as 'up' | 'down' } : {}),
          ...(opts.replicas !== undefined ? { replicas: opts.replicas as number } : {}),
          ...(opts.rows !== undefined ? { rows: opts.rows as number } : {}),
          ...(opts.path !== undefined ? { path: opts.path as string } : {}),
          // With --tool, the proxy's kinds: ack-lost too, and by default.
          ...(opts.tool === undefined
            ? { faults: parseFaults(opts.faults as string) }
            : command.getOptionValueSource('faults') === 'cli'
              ? { toolFaults: parseFaults(opts.faults as string, ['error', 'terminate', 'ack-lost']) as ('error' | 'terminate' | 'ack-lost')[] }
              : {}),
          ...(opts.expected !== undefined ? { expected: opts.expected as string } : {}),
          ...(ignore.length > 0 ? { ignore } : {}),
        },
        runnerOptions: (opts.runnerOption as Record<string, string> | undefined) ?? {},
        ...(opts.retry !== undefined ? { retry: opts.retry as string } : {}),
        ...(opts.role !== undefined ? { role: opts.role as string } : {}),
        ...timeoutOptions(opts),
        ...setupOptions(opts),
        ...(opts.tool !== undefined ? { tool: opts.tool as string } : {}),
        ...(opts.toolTracker !== undefined ? { toolTracker: opts.toolTracker as string[] } : {}),
        ...(opts.jobs !== undefined ? { jobs: opts.jobs as number } : {}),
        ...(opts.memory !== undefined ? { memory: opts.memory as number } : {}),
      };
      if (found) {
        // A config's checks are its own (with expected where its set has an expected-schema folder).
        request = await requestFromConfig(found.config, request, (flag) => command.getOptionValueSource(flag) === 'cli');
        checkConfigExpected(found, request, opts.expected !== undefined);
      } else {
        if (dir === undefined || (opts.runner === undefined && opts.tool === undefined)) throw needsSet('check', dir);
        // Without --checks, a set with an expected-schema folder is also compared with it.
        if (opts.checks === undefined) {
          request = { ...request, checks: checksWithExpected(request.checks, request.dir, opts.expected as string | undefined) };
        }
      }
      const output = outputOf(opts, command, found);
      result.code = (await check(request, output, { quiet: opts.quiet === true, ...(found ? { config: found.file } : {}) })).code;
    });

  cli
    .command('lint')
    .description('lint a migration set under the semantics of its runner, without a server')
    .argument('[dir]', "the folder of the migration set (with a config: the config's set by default)")
    .addOption(new Option('--runner <model>', 'the runner model that applies the set (required without a config)').choices(TOOL_NAMES))
    .option('--config <file>', CONFIG_HELP)
    .option('--no-config', NO_CONFIG_HELP)
    .option('--runner-option <name=value>', 'an option of the runner model (repeatable), e.g. transactions=true', collectOption)
    .option('--format <format>', 'output format: text, json, junit or github; or a log and a file format, e.g. github,junit with --out', 'text')
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--changed-since <ref>', 'report only findings in files added or changed since this git ref (merge base with HEAD, plus uncommitted files); every file is still linted')
    .action(async (dirArg: string | undefined, opts: Record<string, unknown>) => {
      const { dir, runner, runnerOptions } = lintTarget(dirArg, opts, await commandConfig(opts.config));
      const output = parseOutput(opts.format as string, opts.out as string | undefined);
      if (output.out !== undefined) checkOut(output.out, dir, 'file');
      const { report, code } = await lintCommand(dir, runner, { runnerOptions, env: process.env, ...(opts.changedSince !== undefined ? { changedSince: opts.changedSince as string } : {}) });
      const color = output.format === 'text' && !output.out && wantsColor(process.stdout.isTTY);
      const rendered = renderLint(report, output.format, { color });
      if (output.out) writeReport(output.out, rendered);
      else process.stdout.write(rendered);
      if (output.stdout) process.stdout.write(renderLint(report, output.stdout));
      process.stdout.write(ciAnnotations(report, output, process.env));
      result.code = code;
    });

  cli
    .command('snapshot')
    .description('apply the set to an empty database and write its schema as expected-schema files, one per object')
    .argument('[dir]', "the folder of the migration set (with a config: the config's set by default)")
    .addOption(new Option('--runner <model>', 'the runner model that applies the set (required without a config)').choices(TOOL_NAMES))
    .option('--config <file>', CONFIG_HELP)
    .option('--no-config', NO_CONFIG_HELP)
    .option('--pg <versions>', `PostgreSQL major versions, comma-separated: 14 to 18 (embedded; default ${DEFAULT_MAJOR}); with an image without {pg} or a url, the server's own`)
    .addOption(new Option('--provider <name>', 'where PostgreSQL comes from: embedded, container (--image) or url (--url or DATABASE_URL)').choices(Object.keys(PROVIDERS)))
    .option('--image <image>', `container image; {pg} stands for each --pg version (default ${DEFAULT_IMAGE})`)
    .option('--url <url>', 'postgres:// URL of an existing server for --provider url (default: DATABASE_URL); its role needs CREATEDB')
    .option('--out <folder>', "where to write (default: the config's expected folder, else expected-schema/ beside the set); files go to <folder>/pg<major>/")
    .option('--runner-option <name=value>', 'an option of the runner model (repeatable), e.g. transactions=true', collectOption)
    .option('--setup <file.sql>', 'SQL run once on each server before the set: roles, schemas, extensions the set expects (repeatable)', collectFiles)
    .action(async (dir: string | undefined, opts: Record<string, unknown>, command: Command) => {
      const found = await commandConfig(opts.config);
      const setup = (opts.setup as string[] | undefined) ?? [];
      let request: RunRequest = {
        dir: dir ?? '',
        runner: opts.runner as string,
        ...(setup.length > 0 ? { setup } : {}),
        checks: [],
        postgres: opts.pg !== undefined ? parseVersions(opts.pg as string) : [],
        ...serverOptions(opts),
        options: {},
        runnerOptions: (opts.runnerOption as Record<string, string> | undefined) ?? {},
      };
      if (found) request = await requestFromConfig(found.config, request, (flag) => command.getOptionValueSource(flag) === 'cli');
      else if (dir === undefined || opts.runner === undefined) throw needsSet('snapshot', dir);
      // Snapshot writes where check expected reads: --out, else the config's expected folder.
      const out = (opts.out as string | undefined) ?? request.options.expected;
      result.code = await snapshotCommand(
        {
          dir: request.dir,
          runner: request.runner,
          postgres: request.postgres,
          provider: request.provider,
          ...(request.image !== undefined ? { image: request.image } : {}),
          ...(request.url !== undefined ? { url: request.url } : {}),
          ...(out !== undefined ? { out } : {}),
          runnerOptions: request.runnerOptions ?? {},
          ...(request.setup !== undefined ? { setup: request.setup } : {}),
        },
        (text) => process.stdout.write(text),
      );
    });

  cli
    .command('run')
    .description('run a scenario and compare its findings with the ones it predicts')
    .argument('<scenario>', 'a scenario file, e.g. scenarios/certctl-double-run')
    .option('--config <file>', `${CONFIG_HELP}; a scenario names its sets, runner, checks and versions, so only the config's statementTimeout and caseTimeout apply`)
    .option('--no-config', NO_CONFIG_HELP)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (file: string, opts: Record<string, unknown>) => {
      const found = await commandConfig(opts.config);
      const limits = found ? configRequest(found.config).limits : undefined;
      result.code = await runScenario(file, opts.format as Format, limits ? { limits } : {});
    });
  return cli;
}



/** The command line: returns the exit code (0 passed, 1 findings, 2 usage, input or infrastructure). */
export async function main(argv: string[]): Promise<number> {
  quietWhenStdoutCloses();
  handleSignals();
  const code = await command(argv);
  // A signal that stopped the run gives the exit code: 128 + its number.
  return signalExitCode() ?? code;
}

/**
 * `migtest` alone, or with only options, is `migtest check`: in a repository with a config, what
 * `npx vitest` is to vitest. A word that names no command stays an unknown command, not a folder.
 */
export function withDefaultCommand(argv: string[]): string[] {
  const first = argv[0];
  if (first === undefined) return ['check'];
  return first.startsWith('-') && !['-h', '--help', '-V', '--version'].includes(first) ? ['check', ...argv] : argv;
}

async function command(argv: string[]): Promise<number> {
  const result = { code: 0 };
  argv = withDefaultCommand(argv);
  try {
    await program(result).parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; every other commander error is a usage error, told in migtest's words.
      if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      const usage = commanderError(error, argv);
      process.stderr.write(describeError(usage) + '\n');
      reportJsonError(argv, usage);
      return 2;
    }
    if (!interrupted()) {
      process.stderr.write(describeError(error) + '\n');
      reportJsonError(argv, error);
    }
    return 2;
  } finally {
    await releaseAll();
  }
}

/**
 * A reader that stops reading (`migtest check … | head -1`) or a full disk (stdout on /dev/full)
 * ends what migtest prints, not the run: the exit code still says whether the set passed.
 */
function quietWhenStdoutCloses(): void {
  let closed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // Once closed, every later write fails too (a destroyed stream): all of them are that one end.
    if (closed || error.code === 'EPIPE' || error.code === 'ENOSPC') {
      closed = true;
      return;
    }
    throw error;
  });
}

/**
 * Where a `--format json` report goes, read from the raw arguments (the error may come before
 * they are parsed): the `--out` file of check and lint, else stdout; undefined when no JSON was asked for.
 */
export function jsonTarget(argv: readonly string[]): { out?: string } | undefined {
  const value = (name: string): string | undefined => {
    let found: string | undefined;
    argv.forEach((arg, i) => {
      if (arg === name) found = argv[i + 1];
      else if (arg.startsWith(`${name}=`)) found = arg.slice(name.length + 1);
    });
    return found;
  };
  const formats = (value('--format') ?? '').split(',').map((f) => f.trim());
  if (!formats.includes('json')) return undefined;
  const out = value('--out');
  return out !== undefined && ['check', 'lint'].includes(argv[0] ?? '') ? { out } : {};
}

/** On exit 2 with `--format json`: one object with the error, where the report would have gone. */
function reportJsonError(argv: readonly string[], error: unknown): void {
  const target = jsonTarget(argv);
  if (!target) return;
  const text = errorJson(errorReport(error)) + '\n';
  // An error about --out itself is never written there: it may name a migration file.
  if (target.out !== undefined && !(error instanceof OutRefused)) {
    try {
      writeReport(target.out, text);
      return;
    } catch {
      // The file cannot be written (the error may be about it): stdout still gets the object.
    }
  }
  process.stdout.write(text);
}

/**
 * `--retry`'s help: the policy syntax is that of the tool that retries by itself, whose default
 * it names; the other runners have none.
 */
function retryHelp(): string {
  const own = TOOLS.filter((tool) => tool.model.retry);
  const defaults = own.map((tool) => `${tool.name} default: ${tool.model.retry!.defaultPolicy}`);
  const syntax = own[0] ? `in ${own[0].name}'s syntax, ` : '';
  return `retry policy ${syntax}"max N backoff (constant|exponential) T(s|ms)" (${[...defaults, 'none for the other runners'].join('; ')})`;
}
