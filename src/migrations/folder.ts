import type { Dirent, Stats } from 'node:fs';
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError, type MigrationSet } from './types.js';

/** One file directly in a migration folder, as read from disk. */
export interface FolderFile {
  name: string;
  /** Absolute path. */
  path: string;
  /** The file's bytes; absent when it could not be read. */
  bytes?: Uint8Array;
  /** Why the file could not be read (a folder, a dangling link, a FIFO, no permission), when it could not. */
  unreadable?: string;
  /** What to do about it, with `unreadable`. */
  fix?: string;
}

/**
 * A migration folder as read from disk: every entry directly in it, in the order the system lists
 * them; a regular file (or a link to one) with its bytes, anything else (a folder, a dangling link,
 * a FIFO) with why it cannot be read. A parser refuses such an entry when its name is one the tool
 * would run, and skips it like any other name otherwise. The only I/O of loading; parsers are pure
 * functions of it.
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
 * Reads `dir`: its entry names and every regular file's bytes. No tool reads subfolders, so none is
 * read. What cannot be read is recorded, not thrown: a parser reports it only if it needs that
 * entry. A FIFO or device is never opened: reading one would wait for a writer, forever.
 */
export async function readFolder(dir: string): Promise<Folder> {
  const root = path.resolve(dir);
  let entries: Dirent[];
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
  for (const entry of entries) files.push(await readEntry(root, entry));
  return { dir: root, files };
}

const LINK_FIX = 'point the link at the migration file, or remove it';

async function readEntry(root: string, entry: Dirent): Promise<FolderFile> {
  const file = path.join(root, entry.name);
  const refused = (unreadable: string, fix: string): FolderFile => ({ name: entry.name, path: file, unreadable, fix });
  let stats: Stats;
  try {
    stats = await stat(file); // follows a link: what a tool opening the name would get
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const target = await readlink(file).catch(() => undefined);
    if (code === 'ENOENT' && target !== undefined) return refused(`a symbolic link to ${target}, which does not exist`, LINK_FIX);
    if (code === 'ELOOP') return refused(`a symbolic link that leads back to itself${target !== undefined ? ` (through ${target})` : ''}`, LINK_FIX);
    return refused(`cannot read the file (${(error as Error).message})`, 'check that the file exists and is readable');
  }
  const kind = stats.isFile() ? undefined : kindOf(stats);
  if (kind !== undefined) {
    return kind === 'a folder'
      ? refused('a folder, not a file, though it is named like a migration: the tool reads only the files directly in the set folder, so nothing in it would run', 'rename the folder, or move it out of the set folder')
      : refused(`${kind}, not a regular file: migtest does not open it, since reading one may wait forever`, 'replace it with the migration file itself, or remove it');
  }
  try {
    return { name: entry.name, path: file, bytes: await readFile(file) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM'
      ? refused('permission denied: migtest cannot read the file', 'make it readable by the user migtest runs as (chmod a+r), as the tool needs it to be')
      : refused(`cannot read the file (${(error as Error).message})`, 'check that the file exists and is readable');
  }
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'an entry of an unknown kind';
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
