import path from 'node:path';
import { readFolder, type Folder } from '../migrations/folder.js';
import { parseSet } from '../migrations/load.js';
import { initParser } from '../migrations/split.js';
import type { Env, MigrationSet } from '../migrations/types.js';
import { toolNamed } from '../runners/registry.js';
import type { Tolerated } from '../runners/tool.js';
import type { RunnerModel } from '../runners/types.js';
import { isMetaCommandError, metaCommandProblem, psqlMetaCommand } from './rules/psql-meta-command.js';
import type { Problem, Rule } from './types.js';

export interface LoadedForLint {
  set: MigrationSet;
  /** What the loader refused and lint reports instead (psql meta-commands). */
  loading: { rule: Rule; problem: Problem }[];
}

/**
 * Loads a set for linting. The parser refuses a set with a psql meta-command, or with what a
 * tool's rule reports instead (its `lint.tolerated`), at the first one it meets; lint must report
 * every problem and still lint the rest. So each such refusal is recorded, the offending text is
 * neutralised in the files as read (the meta-command's line blanked, keeping every position; the
 * tool's directive taken out and put back on the parsed migration), and they are parsed again.
 * Any other refusal is bad input, as for `check`.
 */
export async function loadForLint(dir: string, model: RunnerModel, env: Env = {}): Promise<LoadedForLint> {
  await initParser();
  const tolerated = toolNamed(model.format)?.lint.tolerated ?? [];
  let folder = await readFolder(dir);
  const loading: LoadedForLint['loading'] = [];
  const restored = new Map<string, Tolerated[]>();
  const originals = new Map<string, string>();
  for (;;) {
    const parsed = parseSet(folder, model.format, env);
    const error = parsed.problems[0];
    if (!error) {
      const set = parsed.set!;
      for (const migration of set.migrations) {
        const name = path.basename(migration.file);
        for (const tolerance of restored.get(name) ?? []) tolerance.restore(migration, originals.get(name) ?? '');
      }
      return { set, loading };
    }
    if (error.file === undefined || error.line === undefined || path.dirname(error.file) !== folder.dir) throw error;
    const name = path.basename(error.file);
    const text = textOf(folder, name);
    if (text === undefined) throw error;
    const lines = text.split('\n');
    const line = lines[error.line - 1];
    const tolerance = tolerated.find((t) => t.is(error));
    let next: string | undefined;
    if (isMetaCommandError(error) && line !== undefined && line.trim() !== '') {
      loading.push({ rule: psqlMetaCommand, problem: metaCommandProblem(error, line.trim()) });
      lines[error.line - 1] = ' '.repeat(line.length);
      next = lines.join('\n');
    } else if (tolerance && !restored.get(name)?.includes(tolerance)) {
      restored.set(name, [...(restored.get(name) ?? []), tolerance]);
      next = tolerance.neutralise(text);
    }
    if (next === undefined || next === text) throw error;
    if (!originals.has(name)) originals.set(name, text);
    folder = withText(folder, name, next);
  }
}

/** The text of a file as read (a byte the decoder cannot read becomes U+FFFD), if it was read. */
function textOf(folder: Folder, name: string): string | undefined {
  const bytes = folder.files.find((file) => file.name === name)?.bytes;
  return bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
}

/** The folder with the file `name` holding `text` instead, in memory. */
function withText(folder: Folder, name: string, text: string): Folder {
  return { ...folder, files: folder.files.map((file) => (file.name === name ? { name, path: file.path, bytes: Buffer.from(text, 'utf8') } : file)) };
}
