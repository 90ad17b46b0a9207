import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { InputError } from '../migrations/types.js';
import { parseRetryPolicy } from '../runners/retry.js';
import { excerpt, hasUnsafe } from './excerpt.js';

const CHECK_NAMES = ['fresh', 'twice', 'resume', 'fault', 'retry', 'down', 'expected', 'lint', 'concurrent', 'populated'] as const;

/** A finding a scenario predicts. Every field given must match; `file` matches the end of the path. */
const ExpectedFinding = z
  .object({
    check: z.enum(CHECK_NAMES),
    file: z.string().min(1).optional(),
    line: z.number().int().positive().optional(),
    sqlstate: z.string().regex(/^[0-9A-Z]{5}$/, 'a SQLSTATE has five characters, e.g. 42710').optional(),
    /** Text the finding's message must contain, e.g. a table name. */
    message: z.string().min(1).optional(),
  })
  .strict();

/** A note a scenario predicts: what the tool always does (docs/checks.md). `file` matches the end of the path. */
const ExpectedNote = z
  .object({
    check: z.enum(CHECK_NAMES),
    file: z.string().min(1).optional(),
    /** Text the note's message or action must contain. */
    message: z.string().min(1).optional(),
  })
  .strict();

/** What check `expected` leaves out, as `--ignore` gives it. */
const IgnoreList = z.array(z.enum(['column-order', 'owners', 'privileges'])).min(1);

const RunnerOptions = z.record(z.string().regex(/^[\w-]+$/), z.string());

/** A retry policy, checked as `--retry` is. */
const RetryPolicyText = z.string().superRefine((text, ctx) => {
  try {
    parseRetryPolicy(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `${(error as Error).message} (${(error as InputError).fix ?? ''})` });
  }
});

/** Settings of the property-based checks (fault, resume, retry). */
const PropertySettings = z
  .object({
    seed: z.number().int().refine(Number.isSafeInteger, 'a seed migtest can hold exactly: at most 2^53-1').optional(),
    runs: z.number().int().positive().optional(),
    exhaustive: z.boolean().optional(),
    /** As `--direction`: `down` runs fault and resume over the tool's rollback. */
    direction: z.enum(['up', 'down']).optional(),
    /** Replicas of check `concurrent` (`--replicas`). */
    replicas: z.number().int().min(2).optional(),
    /** Generated rows per table of check `populated` (`--rows`). */
    rows: z.number().int().positive().optional(),
  })
  .strict();

const ScenarioSet = z
  .object({
    /** The set's folder, relative to the scenario file. */
    path: z.string().min(1),
    /** Replace the scenario's checks for this set. */
    checks: z.array(z.enum(CHECK_NAMES)).min(1).optional(),
    /** Added to (and override) the scenario's runner options for this set. */
    runnerOptions: RunnerOptions.optional(),
    /** Replaces the scenario's retry policy for this set. */
    retry: RetryPolicyText.optional(),
    /** Replaces the scenario's expected-schema folder for this set. */
    expectedSchema: z.string().min(1).optional(),
    /** Replaces the scenario's `ignore` for this set. */
    ignore: IgnoreList.optional(),
    /** The findings this set must give, all and only these; [] means every check passes. */
    expect: z.array(ExpectedFinding).default([]),
    /** When given, the notes this set must give, all and only these; absent, notes are not compared. */
    notes: z.array(ExpectedNote).optional(),
    /** Instead of findings: the set must be refused as bad input (exit 2) at this place. */
    rejects: z
      .object({
        file: z.string().min(1).optional(),
        line: z.number().int().positive().optional(),
        message: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const ScenarioSchema = z
  .object({
    name: z.string().min(1),
    story: z.string().min(1),
    /** The runner model; with `tool`, the model the tool corresponds to, if any (informational). */
    runner: z.string().min(1).optional(),
    /** `--tool`: the real tool's command line, run through the wire proxy instead of the model ({url}, {dir}: docs/tools.md). */
    tool: z.string().min(1).optional(),
    /** `--tool-tracker`: the tables the tool records its migrations in. */
    toolTracker: z.array(z.string().min(1)).min(1).optional(),
    checks: z.array(z.enum(CHECK_NAMES)).min(1),
    postgres: z.array(z.number().int().min(14).max(18)).min(1).default([17]).transform((v) => [...new Set(v)]),
    runnerOptions: RunnerOptions.default({}),
    /** The retry policy (`--retry`); absent, the tool's own (RunnerModel.retry; none for most). */
    retry: RetryPolicyText.optional(),
    /** The role the sets run as (`--role`): no superuser, owner of each case's database. */
    role: z.string().min(1).max(63).optional(),
    /**
     * The expected-schema folder of check `expected` (`--expected`), relative to the scenario
     * file; absent, each set's default: `expected-schema/` beside the set.
     */
    expectedSchema: z.string().min(1).optional(),
    /** What check `expected` leaves out (`--ignore`). */
    ignore: IgnoreList.optional(),
    /** `--setup` files, relative to the scenario file: run once before every set. */
    setup: z.array(z.string().min(1)).min(1).optional(),
    /** `--verify` files, relative to the scenario file: what must hold on every state a check reaches. */
    verify: z.array(z.string().min(1)).min(1).optional(),
    properties: PropertySettings.default({}),
    sets: z.record(z.string(), ScenarioSet).refine((sets) => Object.keys(sets).length > 0, 'a scenario names at least one set'),
  })
  .strict()
  .refine((s) => s.runner !== undefined || s.tool !== undefined, { message: 'a scenario names its runner model, or the tool it runs (tool)', path: ['runner'] });

export type Scenario = z.infer<typeof ScenarioSchema> & { file: string };
export type ExpectedFinding = z.infer<typeof ExpectedFinding>;
export type ExpectedNote = z.infer<typeof ExpectedNote>;

/** `scenarios/x`, `scenarios/x.json`: the file a scenario argument names. */
export function scenarioFile(arg: string): string {
  const candidates = [arg, `${arg}.json`, `${arg}.scenario.json`].map((p) => resolve(p));
  const found = candidates.find((p) => existsSync(p) && !p.endsWith('/'));
  if (!found || !found.endsWith('.json')) {
    throw new InputError(`no scenario file '${arg}' (looked for ${arg}.json)`, undefined, undefined, undefined, 'ls scenarios/ lists the scenarios');
  }
  return found;
}

function lineOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** The first string in a parsed scenario that holds a control character, with its path. */
function unsafeString(value: unknown, path = ''): { path: string; value: string } | undefined {
  if (typeof value === 'string') return hasUnsafe(value) ? { path, value } : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = unsafeString(item, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const at = `${path ? `${path}.` : ''}${key}`;
      if (hasUnsafe(key)) return { path: path || 'scenario', value: key };
      const found = unsafeString(item, at);
      if (found) return found;
    }
  }
  return undefined;
}

/** Where Node's JSON.parse gave no position: the first character that cannot start JSON text sensibly. */
function firstUnsafe(text: string): number {
  const index = [...text].findIndex((c) => hasUnsafe(c));
  return index >= 0 ? [...text].slice(0, index).join('').length : 0;
}

function firstInvalidUtf8(bytes: Buffer): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let low = 0;
  let high = bytes.length;
  // The longest prefix that decodes (a cut in the middle of a character may fail: then one shorter).
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    try {
      decoder.decode(bytes.subarray(0, mid));
      low = mid;
    } catch {
      high = mid - 1;
    }
  }
  return low;
}

/** Reads and validates a scenario; every error names the file, the line and the field. */
export function loadScenario(arg: string): Scenario {
  const file = scenarioFile(arg);
  const bytes = readFileSync(file);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const where = lineOf(bytes.subarray(0, bad).toString('utf8'), bytes.subarray(0, bad).toString('utf8').length);
    throw new InputError('not a UTF-8 text file: a scenario is JSON', file, where.line, where.column, 'see docs/scenarios.md for the format');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    // Node's message quotes the text around the error as it is: garbage bytes would reach the terminal.
    const at = /position (\d+)/.exec((error as Error).message);
    const offset = at ? Number(at[1]) : firstUnsafe(text);
    const where = lineOf(text, offset);
    throw new InputError(`not valid JSON at ${excerpt(text.slice(offset), 24)}`, file, where.line, where.column, 'fix the JSON syntax (see docs/scenarios.md for the format)');
  }
  const unsafe = unsafeString(raw);
  if (unsafe) {
    const offset = text.indexOf(JSON.stringify(unsafe.value).slice(1, 8));
    const where = offset >= 0 ? lineOf(text, offset) : { line: 1, column: 1 };
    throw new InputError(
      `${unsafe.path || 'scenario'}: control characters in ${excerpt(unsafe.value, 24)}`,
      file,
      where.line,
      where.column,
      'a scenario holds plain text: remove the control characters',
    );
  }
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    const key = [...issue.path].reverse().find((p) => typeof p === 'string');
    // As a key (followed by its colon): the same word may be a value too, e.g. check "retry".
    const quoted = key ? `"${String(key)}"` : '';
    const asKey = key ? new RegExp(`${quoted.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`).exec(text) : null;
    const offset = asKey ? asKey.index : key ? text.indexOf(quoted) : -1;
    const where = offset >= 0 ? lineOf(text, offset) : { line: 1, column: 1 };
    throw new InputError(`${path || 'scenario'}: ${issue.message}`, file, where.line, where.column, 'see docs/scenarios.md for the format');
  }
  const scenario = { ...parsed.data, file };
  for (const [label, set] of Object.entries(scenario.sets)) {
    const dir = resolve(dirname(file), set.path);
    if (!existsSync(dir)) {
      const offset = text.indexOf(set.path);
      const where = offset >= 0 ? lineOf(text, offset) : { line: 1, column: 1 };
      throw new InputError(`set '${label}': no folder ${set.path}`, file, where.line, where.column, 'the path is relative to the scenario file');
    }
  }
  return scenario;
}
