import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSet } from '../migrations/load.js';
import { initParser } from '../migrations/split.js';
import { InputError, type FormatName, type MigrationSet } from '../migrations/types.js';
import type { RunnerModel } from '../runners/types.js';
import { isMetaCommandError, metaCommandProblem, psqlMetaCommand } from './rules/psql-meta-command.js';
import type { Problem, Rule } from './types.js';

/** The loader's refusal of a cigogne disable_transaction migration with several statements. */
const DISABLE_TRANSACTION = /^a disable_transaction migration must be exactly one statement/;

export interface LoadedForLint {
  set: MigrationSet;
  /** What the loader refused and lint reports instead (psql meta-commands). */
  loading: { rule: Rule; problem: Problem }[];
}

/**
 * Loads a set for linting. The loader refuses a set with a psql meta-command, or a cigogne
 * disable_transaction migration of several statements, at the first one it meets; lint must
 * report every problem and still lint the rest. So each such refusal is recorded, the offending
 * text is neutralised in a scratch copy of the folder (the meta-command's line blanked, keeping
 * every position; the directive removed and put back on the loaded migration), and the copy is
 * loaded again. Any other refusal is bad input, as for `check`.
 */
export async function loadForLint(dir: string, model: RunnerModel, env: Record<string, string | undefined> = process.env): Promise<LoadedForLint> {
  await initParser();
  const root = path.resolve(dir);
  const format = model.format as FormatName;
  const loading: LoadedForLint['loading'] = [];
  const patched = new Map<string, string>();
  const disabled = new Set<string>();
  let copy: string | undefined;
  try {
    for (;;) {
      let set: MigrationSet;
      try {
        set = await loadSet(copy ?? root, format, env);
      } catch (error) {
        if (!(error instanceof InputError) || error.file === undefined || error.line === undefined) throw error;
        const name = path.basename(error.file);
        const original = path.join(root, name);
        if (path.dirname(error.file) !== (copy ?? root)) throw error;
        const text = patched.get(name) ?? (await readFile(original, 'utf8'));
        const lines = text.split('\n');
        const line = lines[error.line - 1];
        let next: string | undefined;
        if (isMetaCommandError(error) && line !== undefined && line.trim() !== '') {
          const at = new InputError(error.message, original, error.line, error.column, error.fix);
          loading.push({ rule: psqlMetaCommand, problem: metaCommandProblem(at, line.trim()) });
          lines[error.line - 1] = ' '.repeat(line.length);
          next = lines.join('\n');
        } else if (DISABLE_TRANSACTION.test(error.message) && !disabled.has(name)) {
          // cigogne-disable-transaction reports it from the directive, which is put back below.
          disabled.add(name);
          next = text.replace(/^(\s*-{2,3}\s*migration:up\b.*?)\bdisable_transaction\b/m, (_, before: string) => before + ' '.repeat('disable_transaction'.length));
        }
        if (next === undefined || next === text) throw error;
        patched.set(name, next);
        copy ??= await scratchCopy(root);
        await writeFile(path.join(copy, name), next);
        continue;
      }
      if (copy) relocate(set, copy, root);
      for (const migration of set.migrations) {
        if (disabled.has(path.basename(migration.file))) migration.directives.disable_transaction = true;
      }
      return { set, loading };
    }
  } finally {
    if (copy) await rm(copy, { recursive: true, force: true });
  }
}

/** A flat copy of the set's folder (every loader reads only the files directly in it). */
async function scratchCopy(root: string): Promise<string> {
  const copy = await mkdtemp(path.join(tmpdir(), 'migtest-lint-'));
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.isFile() || entry.isSymbolicLink()) await copyFile(path.join(root, entry.name), path.join(copy, entry.name)).catch(() => undefined);
  }
  return copy;
}

/** Points every `file` and `dir` of the loaded set from the scratch copy back to the real folder. */
function relocate(value: unknown, from: string, to: string, seen = new Set<unknown>()): void {
  if (!value || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  const record = value as Record<string, unknown>;
  for (const [key, item] of Object.entries(record)) {
    if (typeof item === 'string' && (key === 'file' || key === 'dir') && item.startsWith(from)) record[key] = to + item.slice(from.length);
    else relocate(item, from, to, seen);
  }
}
