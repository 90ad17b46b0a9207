import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathIn } from '../checks/paths.js';
import { InputError } from '../migrations/types.js';
import type { RunRequest } from '../run.js';
import type { Command } from 'commander';
import { configRequest, fieldPlace, type MigtestConfig } from '../config/define.js';
import { CONFIG_NAMES, findConfig } from '../config/discover.js';
import { loadConfigFile } from '../config/file.js';
import { parseOutput, type Output } from './check.js';
import { UsageError } from './errors.js';

/**
 * The config's expected-schema folder, when check expected is to read it and it is missing:
 * refused at the config's `expected` line, since that is what to correct (or where snapshot writes).
 */
export function checkConfigExpected(found: CommandConfig, request: RunRequest, givenOnCommandLine: boolean): void {
  const folder = request.options.expected;
  if (givenOnCommandLine || found.config.expected === undefined || folder === undefined) return;
  if (!request.checks.includes('expected') || existsSync(folder)) return;
  const at = fieldPlace(found.file, 'expected');
  throw new InputError(
    `expected: no expected-schema folder ${pathIn(folder)} for check expected`,
    found.file,
    at.line,
    at.column,
    "write it with npx migtest snapshot (it writes to the config's expected folder), review and commit it; or correct expected",
  );
}

/** The config a command uses, and the file it came from. */
export interface CommandConfig {
  config: MigtestConfig;
  file: string;
  /** Found by looking upward from the current folder, not named with --config. */
  discovered: boolean;
}

/**
 * The config of one command: `--config <file>` as given, none with `--no-config` (commander's
 * `false`), else the nearest `migtest.config.*` from `cwd` upward, as vitest and eslint find theirs.
 */
export async function commandConfig(option: unknown, cwd = process.cwd()): Promise<CommandConfig | undefined> {
  if (option === false) return undefined;
  if (typeof option === 'string') return { config: await loadConfigFile(option), file: resolve(option), discovered: false };
  const found = findConfig(cwd);
  return found === undefined ? undefined : { config: await loadConfigFile(found), file: found, discovered: true };
}

/** What a command lacks without a config: the folder and the runner, or a config to give them. */
export function needsSet(command: string, dir: string | undefined): UsageError {
  const what = dir === undefined ? 'the folder of a migration set and --runner <model>' : '--runner <model>';
  return new UsageError(
    `${command} needs ${what}, or a migtest config: there is no ${CONFIG_NAMES[0]} (or .mts, .mjs, .js) in ${process.cwd()} or a folder above it`,
    `run migtest ${command} <dir> --runner <model>, or write a migtest.config.ts (docs/config.md) and run migtest ${command} beside it`,
  );
}

/**
 * check's output: `--format` and `--out`, else the config's `format` and `out`. They are one
 * setting: either on the command line replaces both (a json `--format` must not go to the
 * config's junit file).
 */
export function outputOf(opts: Record<string, unknown>, command: Command, found: CommandConfig | undefined): Output {
  const config = found?.config;
  const fromCli = command.getOptionValueSource('format') === 'cli' || opts.out !== undefined;
  if (fromCli || !config || (config.format === undefined && config.out === undefined)) return parseOutput(opts.format as string, opts.out as string | undefined);
  const out = config.out !== undefined ? resolve(config.root, config.out) : undefined;
  try {
    return parseOutput(config.format ?? 'text', out);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const at = fieldPlace(found!.file, 'format');
    throw new InputError(`format '${config.format}' with ${out === undefined ? 'no out' : `out '${config.out}'`}`, found!.file, at.line, at.column, "give one format, or a log and a file format with out, e.g. format: 'github,junit', out: 'test-results/migtest.xml'");
  }
}

/** The set, runner and runner options lint reads: the command line's, else the config's. */
export function lintTarget(dir: string | undefined, opts: Record<string, unknown>, found: CommandConfig | undefined): { dir: string; runner: string; runnerOptions: Record<string, string> } {
  const runner = (opts.runner as string | undefined) ?? found?.config.runner;
  const target = dir ?? (found ? configRequest(found.config).dir : undefined);
  if (target === undefined || runner === undefined) throw needsSet('lint', dir);
  return { dir: target, runner, runnerOptions: { ...found?.config.runnerOptions, ...(opts.runnerOption as Record<string, string> | undefined) } };
}
