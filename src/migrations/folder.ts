import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError, type MigrationSet } from './types.js';

/** One file directly in a migration folder, as read from disk. */
export interface FolderFile {
  name: string;
  /** Absolute path. */
  path: string;
  /** The file's bytes; absent when it could not be read. */
  bytes?: Uint8Array;
  /** Why the file could not be read (the system's message), when it could not. */
  unreadable?: string;
}

/**
 * A migration folder as read from disk: every regular file directly in it (or link to one), in
 * the order the system lists them. The only I/O of loading; parsers are pure functions of it.
 */
export interface Folder {
  /** Absolute path. */
  dir: string;
  files: FolderFile[];
  /** Why the folder could not be listed (then `files` is empty), when it could not. */
  unreadable?: string;
}

/** What a format's parser makes of a folder: the set, or the problems that stop it (today the first). */
export interface Parsed {
  /** Present exactly when `problems` is empty. */
  set?: MigrationSet;
  problems: InputError[];
}

/**
 * Reads `dir`: its file names and every file's bytes. No tool reads subfolders, so none is read.
 * What cannot be read is recorded, not thrown: a parser reports it only if it needs that file.
 */
export async function readFolder(dir: string): Promise<Folder> {
  const root = path.resolve(dir);
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
    return { dir: root, files: [], unreadable: problem };
  }
  const files: FolderFile[] = [];
  for (const entry of entries) {
    const file = path.join(root, entry.name);
    if (!entry.isFile() && !(entry.isSymbolicLink() && (await isFile(file)))) continue;
    try {
      files.push({ name: entry.name, path: file, bytes: await readFile(file) });
    } catch (error) {
      files.push({ name: entry.name, path: file, unreadable: (error as Error).message });
    }
  }
  return { dir: root, files };
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false; // a dangling link is not a migration
  }
}

/**
 * Names of the files in the folder; refuses a folder that could not be listed. `expected` says
 * in the fix what files the folder should hold.
 */
export function fileNames(folder: Folder, expected: string): string[] {
  if (folder.unreadable !== undefined) {
    throw new InputError(folder.unreadable, folder.dir, undefined, undefined, `pass the path of the folder that holds the ${expected}`);
  }
  return folder.files.map((file) => file.name);
}

/** The file of the folder named `name` (one of `fileNames`). */
export function fileNamed(folder: Folder, name: string): FolderFile {
  const file = folder.files.find((f) => f.name === name);
  if (!file) throw new Error(`no file ${name} in ${folder.dir}`);
  return file;
}

/** Runs a parser that throws at the first problem, and gives its set or that problem. */
export function parsing(parse: () => MigrationSet): Parsed {
  try {
    return { set: parse(), problems: [] };
  } catch (error) {
    if (error instanceof InputError) return { problems: [error] };
    throw error;
  }
}

/**
 * The order Go (sort.Strings) and Haskell give names: by UTF-8 bytes, which equals code-point
 * order, and differs from JavaScript's code-unit order above U+FFFF.
 */
export function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
