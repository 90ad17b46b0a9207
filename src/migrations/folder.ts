import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from './types.js';

/**
 * Names of the regular files (or links to them) directly in `root`: no tool reads subfolders.
 * `expected` says in the fix what files the folder should hold.
 */
export async function filesIn(root: string, expected: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'the migration folder does not exist'
        : code === 'ENOTDIR'
          ? 'this is a file, not a migration folder'
          : `cannot read the migration folder (${(error as Error).message})`;
    throw new InputError(problem, root, undefined, undefined, `pass the path of the folder that holds the ${expected}`);
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.isFile()) names.push(entry.name);
    else if (entry.isSymbolicLink() && (await isFile(path.join(root, entry.name)))) names.push(entry.name);
  }
  return names;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false; // a dangling link is not a migration
  }
}

/**
 * The order Go (sort.Strings) and Haskell give names: by UTF-8 bytes, which equals code-point
 * order, and differs from JavaScript's code-unit order above U+FFFF.
 */
export function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
