import { readFileSync } from 'node:fs';
import { parseSize } from '../checks/budget.js';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CHECKS, DEFAULT_CHECKS } from '../checks/index.js';
import { checksWithExpected, IGNORABLE, type Ignorable } from '../checks/expected.js';
import type { CheckName } from '../checks/types.js';
import { InputError } from '../migrations/types.js';
import { DEFAULT_MAJOR } from '../postgres/embedded.js';
import { PROVIDERS } from '../postgres/providers.js';
import { parseRetryPolicy } from '../runners/retry.js';
import { parseDuration } from '../postgres/limits.js';
import { TOOL_NAMES, type ToolName } from '../runners/registry.js';
import type { RunRequest } from '../run.js';

/** The runner models: the registry's tools, by name, so that an editor completes them in a config file. */
export const RUNNER_NAMES = TOOL_NAMES;
export type RunnerName = ToolName;

const FAULT_KINDS = ['error', 'terminate', 'crash'] as const;
/** The report formats of `migtest check --format`. */
const OUTPUT_FORMATS = ['text', 'json', 'junit', 'github'];

/** Only the checks that exist: a config naming `down` before it is implemented is refused, not ignored. */
const CheckNameSchema = z.string().refine((name) => name in CHECKS, {
  error: (issue) => `unknown check '${String(issue.input)}': use one of ${Object.keys(CHECKS).join(', ')}`,
});

const Major = z.number().int().min(14, 'PostgreSQL 14 to 18').max(18, 'PostgreSQL 14 to 18');

/** A duration field, checked as the command line checks its option. */
function duration(field: string) {
  return z
    .string()
    .superRefine((text, ctx) => {
      try {
        parseDuration(text, field);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .optional();
}

const ConfigSchema = z
  .object({
    /** The migration set's folder, relative to `root`. */
    set: z
      .string({ error: (issue) => (issue.input === undefined ? 'missing: the folder of the migration set, e.g. db/migrations' : 'the folder of the migration set, as a string') })
      .min(1, 'the folder of the migration set, e.g. db/migrations'),
    /** The folder `set` is relative to; by default the folder of the config file. */
    root: z.string().min(1).optional(),
    runner: z
      .enum(RUNNER_NAMES, {
        error: (issue) => `unknown runner model '${String(issue.input)}': use one of ${RUNNER_NAMES.join(', ')}`,
      })
      .optional(),
    /** `--tool`: the real tool's command line, run through the wire proxy instead of a runner model (docs/tools.md). */
    tool: z.string().min(1).optional(),
    /** `--tool-tracker`: the tables the tool records its migrations in, compared as trackers. */
    toolTracker: z.union([z.string().min(1), z.array(z.string().min(1))]).transform((v) => (Array.isArray(v) ? v : [v])).optional(),
    /** `--runner-option name=value`: the options of the runner model (RunnerModel.options). */
    runnerOptions: z
      .record(z.string().regex(/^[\w-]+$/, 'a runner option name is letters, digits, - and _'), z.union([z.string(), z.number(), z.boolean()]))
      .default({})
      .transform((options) => Object.fromEntries(Object.entries(options).map(([name, value]) => [name, String(value)]))),
    checks: z
      .array(CheckNameSchema)
      .min(1, 'name at least one check')
      .default(DEFAULT_CHECKS)
      .transform((names) => [...new Set(names)] as CheckName[]),
    /**
     * PostgreSQL major versions: one, or a list (each runs every check on its own server). Absent:
     * 17, or the server's own for a url or an image without `{pg}` (see validateConfig).
     */
    postgres: z
      .union([Major, z.array(Major).min(1, 'name at least one version')])
      .transform((v) => [...new Set(Array.isArray(v) ? v : [v])])
      .optional(),
    /** Absent: container with an image, url with a url, else embedded (as on the command line). */
    provider: z
      .string()
      .refine((name) => name in PROVIDERS, {
        error: (issue) => `unknown provider '${String(issue.input)}': use one of ${Object.keys(PROVIDERS).join(', ')}`,
      })
      .optional(),
    /** The container provider's image, as `--image`; `{pg}` stands for each version. */
    image: z.string().min(1).optional(),
    /** The url provider's server, as `--url`; absent: DATABASE_URL. Keep passwords out of the file: PGPASSWORD works. */
    url: z.string().min(1).optional(),
    /** A retry policy, as `--retry`; absent: the tool's own policy. */
    retry: z
      .string()
      .superRefine((text, ctx) => {
        try {
          parseRetryPolicy(text);
        } catch (error) {
          const fix = (error as InputError).fix;
          ctx.addIssue({ code: 'custom', message: `${(error as Error).message}${fix ? ` (${fix})` : ''}` });
        }
      })
      .optional(),
    /** As `--role`: the role the set runs as (no superuser, owner of each case's database). */
    role: z.string().min(1).max(63).optional(),
    /** As `--setup` (issue 14): SQL files run once before the set, relative to the config file. */
    setup: z.union([z.string().min(1), z.array(z.string().min(1))]).transform((v) => (Array.isArray(v) ? v : [v])).optional(),
    /** As `--verify`: SQL statements that must hold on every state a check reaches, relative to the config file. */
    verify: z.union([z.string().min(1), z.array(z.string().min(1))]).transform((v) => (Array.isArray(v) ? v : [v])).optional(),
    /** As `--changed-since`: report only findings in files changed since this git ref. */
    changedSince: z.string().min(1).optional(),
    seed: z.number().int().refine(Number.isSafeInteger, 'a seed migtest can hold exactly: at most 2^53-1 (9007199254740991)').optional(),
    runs: z.number().int().positive().optional(),
    exhaustive: z.boolean().optional(),
    /** As `--direction`: `down` runs fault and resume over the tool's rollback, one down section at a time. */
    direction: z.enum(['up', 'down'], { error: () => 'direction is up (the default) or down' }).optional(),
    /** As `--replicas`: how many replicas check `concurrent` starts at the same moment. */
    replicas: z.number().int().min(2).optional(),
    /** As `--rows`: generated rows per table in check `populated`. */
    rows: z.number().int().positive().optional(),
    /** As `--jobs`: cases run at once (default: two per core, within the server's free connections). */
    jobs: z.number().int().positive().optional(),
    /** As `--memory`: room for kept template databases, bytes or a size such as '512MB', '4GB'. */
    memory: z
      .union([z.number().int().positive(), z.string()])
      .transform((v, ctx) => {
        const bytes = typeof v === 'number' ? v : parseSize(v);
        if (bytes === undefined || bytes < 1) {
          ctx.addIssue({ code: 'custom', message: `memory takes bytes or a size such as '512MB', '2GB', not '${String(v)}'` });
          return z.NEVER;
        }
        return bytes;
      })
      .optional(),
    /** Fault kinds of the `fault` check; `crash` needs a provider that can crash its server. */
    faults: z
      .array(z.enum(FAULT_KINDS, { error: () => `a fault kind is one of ${FAULT_KINDS.join(', ')}` }))
      .min(1)
      .optional(),
    /** As `--statement-timeout` and `--case-timeout`: `500ms`, `30s`, `5m`. */
    statementTimeout: duration('statementTimeout'),
    caseTimeout: duration('caseTimeout'),
    /**
     * As `--expected`: the expected-schema folder of check `expected`, relative to `root`; absent:
     * `expected-schema/` beside the set. Naming it runs check `expected` (a folder named is meant to
     * be used); `migtest snapshot` writes there.
     */
    expected: z.string().min(1, 'the expected-schema folder, e.g. db/expected-schema').optional(),
    /** As `--ignore`: what check `expected` leaves out of the comparison. */
    ignore: z
      .union([z.enum(IGNORABLE), z.array(z.enum(IGNORABLE))], { error: () => `ignore takes ${IGNORABLE.join(', ')} (one, or a list)` })
      .transform((v) => [...new Set(Array.isArray(v) ? v : [v])].sort() as Ignorable[])
      .optional(),
    /**
     * As `--format` and `--out` of `migtest check`: the report's format, or a log and a file format
     * (`'github,junit'` with `out`); `out` relative to `root`. Either on the command line replaces both.
     */
    format: z
      .string()
      .superRefine((text, ctx) => {
        const unknown = text.split(',').map((f) => f.trim()).find((f) => !OUTPUT_FORMATS.includes(f));
        if (unknown !== undefined) ctx.addIssue({ code: 'custom', message: `unknown format '${unknown}': use ${OUTPUT_FORMATS.join(', ')}, or a log and a file format with out, e.g. 'github,junit'` });
      })
      .optional(),
    out: z.string().min(1).optional(),
    /** `migtest/vitest`: milliseconds each check's test may take (the first also starts the server). */
    timeout: z.number().int().positive().optional(),
  })
  .strict();

/** What a `migtest.config.*` file may say (the shape `defineConfig` takes). */
export type MigtestConfigInput = z.input<typeof ConfigSchema>;

/** A validated config: defaults filled in, `root` known. */
export type MigtestConfig = Omit<z.output<typeof ConfigSchema>, 'postgres' | 'provider'> & {
  provider: string;
  /** Empty: the one server's own version (a url, an image without `{pg}`). */
  postgres: number[];
  root: string;
  /** The config file, where known: errors name it. */
  file?: string;
};

function lineOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** Where a field is written in the config file's text: the key, as `key:` or `"key":`. */
function placeOf(text: string | undefined, key: string | undefined): { line?: number; column?: number } {
  if (!text || !key) return {};
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`(?<![\\w-])["']?${escaped}["']?\\s*:`).exec(text);
  return match ? lineOf(text, match.index) : {};
}

/** Where a field is written in a config file: its line and column, if the file reads and names it. */
export function fieldPlace(file: string | undefined, key: string): { line?: number; column?: number } {
  try {
    return placeOf(file ? readFileSync(file, 'utf8') : undefined, key);
  } catch {
    return {};
  }
}

/**
 * Validates a config object. `file` is the config file, if known: paths are relative to its folder
 * and an error names it, with the line of the offending field.
 */
export function validateConfig(raw: unknown, file?: string): MigtestConfig {
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    // A misspelt field first: its absence under the right name is only a consequence.
    const issue = parsed.error.issues.find((i) => i.code === 'unrecognized_keys') ?? parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    const key = [...issue.path].reverse().find((p) => typeof p === 'string');
    let text: string | undefined;
    try {
      text = file ? readFileSync(file, 'utf8') : undefined;
    } catch {
      text = undefined;
    }
    const where = placeOf(text, key === undefined ? undefined : String(key));
    const message = issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` : issue.message;
    const unknownKey = issue.code === 'unrecognized_keys' ? placeOf(text, issue.keys[0]) : where;
    throw new InputError(
      `${file ? '' : 'migtest config: '}${path ? `${path}: ` : ''}${message}`,
      file,
      unknownKey.line ?? (file ? 1 : undefined),
      unknownKey.column,
      issue.code === 'unrecognized_keys' ? `a migtest config's fields are: ${CONFIG_FIELDS.join(', ')}` : 'see docs/config.md for the fields of a migtest config',
    );
  }
  if (parsed.data.runner === undefined && parsed.data.tool === undefined) {
    // A runner model is what a config names, unless it runs a real tool (`tool`).
    throw new InputError(
      `${file ? '' : 'migtest config: '}runner: missing: the runner model that applies the set, one of ${RUNNER_NAMES.join(', ')} (or tool: the command line of a real tool)`,
      file,
      file ? 1 : undefined,
      undefined,
      'see docs/config.md for the fields of a migtest config',
    );
  }
  const base = file ? dirname(file) : process.cwd();
  const { image, url } = parsed.data;
  const provider = parsed.data.provider ?? (image !== undefined ? 'container' : url !== undefined ? 'url' : 'embedded');
  for (const [field, wants] of [['image', 'container'], ['url', 'url']] as const) {
    if (parsed.data[field] === undefined || provider === wants) continue;
    let text: string | undefined;
    try {
      text = file ? readFileSync(file, 'utf8') : undefined;
    } catch {
      text = undefined;
    }
    const where = placeOf(text, field);
    throw new InputError(
      `${file ? '' : 'migtest config: '}${field} is for provider '${wants}', and the config says provider '${provider}'`,
      file,
      where.line ?? (file ? 1 : undefined),
      where.column,
      `set provider: '${wants}', or remove ${field} (an ${field === 'url' ? 'url' : 'image'} alone chooses provider '${wants}')`,
    );
  }
  const root = parsed.data.root === undefined ? base : resolve(base, parsed.data.root);
  const stated = parsed.data.postgres;
  // As on the command line without --pg: a server that is one version (a url, an image without
  // {pg}) runs its own, and is not refused for not being 17.
  const oneServer = provider === 'url' || (provider === 'container' && image !== undefined && !image.includes('{pg}'));
  const postgres = stated ?? (oneServer ? [] : [DEFAULT_MAJOR]);
  const config: MigtestConfig = { ...parsed.data, provider, postgres, root, ...(file ? { file } : {}) };
  if (stated === undefined) Object.defineProperty(config, DEFAULT_VERSIONS, { value: true, enumerable: false });
  if ((raw as { checks?: unknown }).checks === undefined) Object.defineProperty(config, DEFAULT_CHECK_LIST, { value: true, enumerable: false });
  // Marked, so that migtestSuite and the command line do not validate it again (and lose its file).
  Object.defineProperty(config, VALIDATED, { value: true, enumerable: false });
  return config;
}

const VALIDATED = Symbol.for('migtest.config');
const DEFAULT_VERSIONS = Symbol.for('migtest.config.default-versions');
const DEFAULT_CHECK_LIST = Symbol.for('migtest.config.default-checks');

/** The fields a config may have, for the fix line of a misspelt one. */
export const CONFIG_FIELDS: readonly string[] = Object.keys(ConfigSchema.shape);

/** Whether the config's checks are the default ones (it lists none). */
export function checksDefaulted(config: MigtestConfig): boolean {
  return (config as unknown as Record<symbol, unknown>)[DEFAULT_CHECK_LIST] === true;
}

/** The config's expected-schema folder, absolute; undefined when it names none. */
export function expectedOfConfig(config: MigtestConfig): string | undefined {
  return config.expected === undefined ? undefined : resolve(config.root, config.expected);
}

/**
 * The checks a config runs on the set in `dir`, with `expected` the expected-schema folder named
 * (by the config or the command line). A config that lists no checks runs the default ones and,
 * as the command line does, `expected` when the set has an expected-schema folder; a folder
 * named is meant to be used, so `expected` runs then whatever the list says.
 */
export function configChecks(config: MigtestConfig, dir: string, expected: string | undefined): CheckName[] {
  if (checksDefaulted(config)) return checksWithExpected(config.checks, dir, expected);
  return expected !== undefined && !config.checks.includes('expected') ? [...config.checks, 'expected'] : config.checks;
}
/** Whether the config's versions are the default of its provider (it names none). */
export function versionsDefaulted(config: MigtestConfig): boolean {
  return (config as unknown as Record<symbol, unknown>)[DEFAULT_VERSIONS] === true;
}

/** A config from `defineConfig` as it is; any other object validated (paths relative to the current directory). */
export function asConfig(value: unknown, file?: string): MigtestConfig {
  if (typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[VALIDATED] === true) return value as MigtestConfig;
  return validateConfig(value, file);
}

/**
 * The file that called the function that called this one, from the stack: `defineConfig` learns
 * which config file it is in without the user passing `import.meta.url`.
 */
function callerFile(): string | undefined {
  // migtest's own frames, compiled or (where a test runner maps stacks through source maps) not.
  const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const own = [join(packageRoot, 'dist') + sep, join(packageRoot, 'src') + sep];
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  for (const frame of frames) {
    const file = frameFile(frame);
    if (file === undefined || own.some((folder) => file.startsWith(folder))) continue;
    return file;
  }
  return undefined;
}

/**
 * The file of one V8 stack frame, `at fn (location)` or `at location`, where a location is a path
 * or file URL and `:line:column`. A path may hold spaces and parentheses (`My Projects (old)/`),
 * and a file URL keeps parentheses as they are, so the location is found by its shape, trying
 * each ` (` in turn, not by the characters a path would lack.
 */
function frameFile(frame: string): string | undefined {
  const rest = frame.replace(/^\s*at\s+/, '').trimEnd();
  const inner = rest.endsWith(')') ? rest.slice(0, -1) : rest;
  const candidates = [rest, ...[...inner.matchAll(/ \(/g)].map((m) => inner.slice(m.index + 2))];
  for (const candidate of candidates) {
    const match = /^((?:file:\/\/)?\/.*?\.[cm]?[jt]sx?)(?::\d+){0,2}$/.exec(candidate);
    if (match) return match[1]!.startsWith('file://') ? fileURLToPath(match[1]!) : match[1]!;
  }
  return undefined;
}

/**
 * A typed, validated migtest config; a service repo's `migtest.config.ts` default-exports it.
 * The set's folder is relative to that file's folder (or to `root`).
 */
export function defineConfig(config: MigtestConfigInput): MigtestConfig {
  const file = callerFile();
  try {
    return validateConfig(config, file);
  } catch (error) {
    // Thrown while a test runner imports the config: a stack that points at the field (and not
    // into migtest) lets the runner show the config's own line.
    if (error instanceof InputError && error.file) {
      error.stack = `${error.name}: ${error.message}\n    at ${error.file}:${error.line ?? 1}:${error.column ?? 1}`;
    }
    throw error;
  }
}

/** The request `runChecks` takes for a config. */
export function configRequest(config: MigtestConfig): RunRequest {
  const dir = resolve(config.root, config.set);
  const expected = expectedOfConfig(config);
  return {
    dir,
    runner: config.runner ?? 'tool',
    ...(config.tool !== undefined ? { tool: config.tool } : {}),
    ...(config.toolTracker ? { toolTracker: config.toolTracker } : {}),
    checks: configChecks(config, dir, expected),
    postgres: config.postgres,
    provider: config.provider,
    ...(config.image !== undefined ? { image: config.image } : {}),
    ...(config.url !== undefined ? { url: config.url } : {}),
    options: {
      ...(config.seed !== undefined ? { seed: config.seed } : {}),
      ...(config.runs !== undefined ? { runs: config.runs } : {}),
      ...(config.exhaustive ? { exhaustive: true } : {}),
      ...(config.direction !== undefined ? { direction: config.direction } : {}),
      ...(config.replicas !== undefined ? { replicas: config.replicas } : {}),
      ...(config.rows !== undefined ? { rows: config.rows } : {}),
      faults: config.faults ?? ['error', 'terminate'],
      ...(expected !== undefined ? { expected } : {}),
      ...(config.ignore !== undefined && config.ignore.length > 0 ? { ignore: config.ignore } : {}),
    },
    runnerOptions: config.runnerOptions,
    ...(config.retry !== undefined ? { retry: config.retry } : {}),
    ...(config.role !== undefined ? { role: config.role } : {}),
    // Relative to the config file (its folder), as a user writes them beside it.
    ...(config.setup ? { setup: config.setup.map((f) => resolve(config.file ? dirname(config.file) : config.root, f)) } : {}),
    ...(config.verify ? { verify: config.verify.map((f) => resolve(config.file ? dirname(config.file) : config.root, f)) } : {}),
    ...(config.changedSince !== undefined ? { changedSince: config.changedSince } : {}),
    ...(config.jobs !== undefined ? { jobs: config.jobs } : {}),
    ...(config.memory !== undefined ? { memory: config.memory } : {}),
    ...(config.statementTimeout !== undefined || config.caseTimeout !== undefined
      ? {
          limits: {
            ...(config.statementTimeout !== undefined ? { statementMs: parseDuration(config.statementTimeout, 'statementTimeout') } : {}),
            ...(config.caseTimeout !== undefined ? { caseMs: parseDuration(config.caseTimeout, 'caseTimeout') } : {}),
          },
        }
      : {}),
  };
}
