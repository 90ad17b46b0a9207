import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../migrations/types.js';
import type { RunRequest } from '../run.js';
import { asConfig, configChecks, configRequest, versionsDefaulted, type MigtestConfig } from './define.js';

const FIX = "a migtest config default-exports defineConfig({ set, runner, … }) from 'migtest'; see docs/config.md";

/**
 * Reads a `migtest.config.{js,mjs,ts,mts}`. Node 20 cannot import TypeScript, so a `.ts` file goes
 * through jiti, which strips the types in memory and resolves `migtest` from the file's folder.
 */
export async function loadConfigFile(arg: string): Promise<MigtestConfig> {
  const file = resolve(arg);
  if (!existsSync(file)) throw new InputError(`no config file ${arg}`, undefined, undefined, undefined, 'pass the path of migtest.config.ts (or .mjs, .js)');
  const extension = extname(file);
  let loaded: unknown;
  try {
    if (['.ts', '.mts', '.cts'].includes(extension)) {
      const { createJiti } = await import('jiti');
      loaded = await createJiti(import.meta.url, { moduleCache: false }).import(file, { default: true });
    } else if (['.js', '.mjs', '.cjs'].includes(extension)) {
      const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
      loaded = module.default;
    } else {
      throw new InputError(`a config file is .ts, .mts, .js or .mjs, not ${extension || 'without extension'}`, file, undefined, undefined, FIX);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    // defineConfig's own refusal, from a copy of migtest that jiti loaded beside ours.
    if (error instanceof Error && error.name === 'InputError') {
      const e = error as InputError;
      throw new InputError(e.message, e.file, e.line, e.column, e.fix);
    }
    // The config's own code failed (a syntax error, a missing import): say which file and line, not our stack.
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
    const at: { line?: number; column?: number } = (await placeInConfig(error, file)) ?? {};
    throw new InputError(`could not load the config: ${message}`, file, at.line ?? 1, at.column, FIX);
  }
  if (loaded === undefined) throw new InputError('the config has no default export', file, 1, 1, FIX);
  return asConfig(loaded, file);
}

/**
 * Where in the config file its load failed. jiti (babel) puts `file:line:column` (column 0-based)
 * in its message; a runtime error has the file in its stack; Node's own SyntaxError for a .js or
 * .mjs carries no place, so the file is parsed again through jiti to find it.
 */
async function placeInConfig(error: unknown, file: string): Promise<{ line: number; column?: number } | undefined> {
  const text = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const babel = new RegExp(`(?:^|\\s)${escaped}:(\\d+):(\\d+)`, 'm').exec(error instanceof Error ? error.message : '');
  if (babel) return { line: Number(babel[1]), column: Number(babel[2]) + 1 };
  const loc = (error as { loc?: { line?: number; column?: number } } | null)?.loc;
  if (loc?.line !== undefined) return { line: loc.line, ...(loc.column !== undefined ? { column: loc.column + 1 } : {}) };
  const frame = new RegExp(`(?:file://)?${escaped}:(\\d+):(\\d+)`).exec(text);
  if (frame) return { line: Number(frame[1]), column: Number(frame[2]) };
  if (error instanceof SyntaxError) {
    try {
      const { createJiti } = await import('jiti');
      await createJiti(import.meta.url, { moduleCache: false }).import(file, { default: true });
    } catch (again) {
      if (!(again instanceof SyntaxError)) return placeInConfig(again, file);
    }
  }
  return undefined;
}

/**
 * `migtest check --config FILE [dir] [flags]`: the config gives every setting, and what the
 * command line says explicitly (`given`) replaces it, so a reproduce command can narrow a config.
 * `config`: the config itself, or the path of its file.
 */
export async function requestFromConfig(config: string | MigtestConfig, flags: Partial<RunRequest>, given: (flag: string) => boolean): Promise<RunRequest> {
  if (typeof config === 'string') config = await loadConfigFile(config);
  const fromConfig = configRequest(config);
  const options = { ...fromConfig.options };
  // shard and path have no config field: they belong to one run (one CI machine, one replayed case).
  for (const name of ['seed', 'runs', 'exhaustive', 'direction', 'replicas', 'rows', 'path', 'faults', 'shard', 'expected', 'ignore'] as const) {
    if (given(name) && flags.options?.[name] !== undefined) Object.assign(options, { [name]: flags.options[name] });
  }
  const dir = flags.dir ? flags.dir : fromConfig.dir;
  // The checks the config lists, or the default ones with `expected` where the set (the config's,
  // or the one the command line names) has an expected-schema folder; --checks replaces them.
  const checks = given('checks') && flags.checks ? flags.checks : configChecks(config, dir, options.expected);
  // The server is one setting: --image or --url replaces the config's provider, image and url
  // together (an image kept from the config would be refused beside a url).
  const server = given('provider') || given('image') || given('url');
  const { provider: _provider, image: _image, url: _url, ...rest } = fromConfig;
  return {
    // Fields the config has no word for (added by later options) come from the command line.
    ...(flags as RunRequest),
    ...(server ? rest : fromConfig),
    dir,
    ...(given('runner') && flags.runner ? { runner: flags.runner } : {}),
    ...(given('tool') && flags.tool !== undefined ? { tool: flags.tool } : {}),
    ...(given('toolTracker') && flags.toolTracker ? { toolTracker: flags.toolTracker } : {}),
    checks,
    // A config without versions has its provider's default; another server has its own (serverStarts).
    ...(given('pg') && flags.postgres ? { postgres: flags.postgres } : server && versionsDefaulted(config) ? { postgres: [] } : {}),
    ...(given('retry') && flags.retry !== undefined ? { retry: flags.retry } : {}),
    ...(given('role') && flags.role !== undefined ? { role: flags.role } : {}),
    // --setup and --verify given on the command line replace the config's lists.
    ...(given('setup') && flags.setup ? { setup: flags.setup } : {}),
    ...(given('verify') && flags.verify ? { verify: flags.verify } : {}),
    ...(given('changedSince') && flags.changedSince !== undefined ? { changedSince: flags.changedSince } : {}),
    ...(given('jobs') && flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
    ...(given('memory') && flags.memory !== undefined ? { memory: flags.memory } : {}),
    runnerOptions: { ...fromConfig.runnerOptions, ...(given('runnerOption') ? flags.runnerOptions : {}) },
    limits: {
      ...fromConfig.limits,
      ...(given('statementTimeout') && flags.limits?.statementMs !== undefined ? { statementMs: flags.limits.statementMs } : {}),
      ...(given('caseTimeout') && flags.limits?.caseMs !== undefined ? { caseMs: flags.limits.caseMs } : {}),
    },
    options,
  };
}
