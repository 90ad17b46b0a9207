import { accessSync, constants, existsSync, mkdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../migrations/types.js';

/*
 * Where `--out` writes, checked before the run starts: a report found unwritable only after the
 * whole run is lost, and a report written into the set changes (or overwrites) what is tested.
 */

/** A refusal of `--out` itself: the error is never written to the file it is about. */
export class OutRefused extends InputError {}

const FILE_FIX = 'write the report outside the migration set, e.g. --out test-results/migtest.xml';

/**
 * Refuses an `--out` where the tool reads migrations, or that cannot be written. A report file
 * directly in the set's folder could overwrite a migration, or be read as one (a tool that
 * ignores the extension takes `1_x.up.json` too); a subfolder is read by no tool, so a report there is left alone. The
 * snapshot folder may not be the set's folder. Cannot be written: a file that is a folder or
 * read-only, a folder that cannot be made (a file in the way, no permission, a read-only file
 * system). `kind`: the report file of check and lint, or the folder of snapshot. Nothing is created.
 */
export function checkOut(out: string, setDir: string, kind: 'file' | 'folder', label = `--out ${out}`): void {
  const target = resolve(out);
  const set = realPath(resolve(setDir));
  const real = realPath(target);
  if (real === set || (kind === 'file' && dirname(real) === set)) {
    const what =
      real === set
        ? "it is the migration set's folder"
        : existsSync(real) && !statSync(real).isDirectory()
          ? `it names ${basename(real)}, a file of the migration set, which the report would overwrite`
          : "it is directly in the migration set's folder, where the tool reads its migrations";
    throw new OutRefused(`${label}: ${what}`, undefined, undefined, undefined, kind === 'file' ? FILE_FIX : 'write the expected-schema files outside the set folder (the default is expected-schema/ beside it)');
  }
  if (existsSync(target)) {
    const isFolder = statSync(target).isDirectory();
    if (kind === 'file' && isFolder) throw new OutRefused(`${label} is a folder; --out names the report's file`, undefined, undefined, undefined, `name a file in it, e.g. --out ${join(out, 'migtest.xml')}`);
    if (kind === 'folder' && !isFolder) throw new OutRefused(`${label} is a file; snapshot --out names a folder`, undefined, undefined, undefined, 'pass a folder (it is made if missing)');
    writable(target, out, `${label} cannot be written`);
    return;
  }
  // The folders that do not exist yet are made when the report is written: the nearest one that
  // exists must be a folder migtest may write in.
  let parent = dirname(target);
  while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
  if (!statSync(parent).isDirectory()) {
    throw new OutRefused(`${label}: ${parent} is a file, so the folder cannot be made`, undefined, undefined, undefined, 'pass an --out path whose folders are folders');
  }
  writable(parent, out, `${label} cannot be created in ${parent}`);
}

function writable(path: string, out: string, problem: string): void {
  try {
    accessSync(path, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EROFS' ? 'a read-only file system' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (error as Error).message;
    throw new OutRefused(`${problem} (${why})`, undefined, undefined, undefined, `pass an --out ${basename(out) === out ? 'path' : 'path in a folder'} migtest may write to`);
  }
}

/** The real path of `path`, or of its nearest existing folder joined with the rest: links resolved. */
function realPath(path: string): string {
  let existing = path;
  const rest: string[] = [];
  while (!existsSync(existing) && dirname(existing) !== existing) {
    rest.unshift(basename(existing));
    existing = dirname(existing);
  }
  try {
    return join(realpathSync(existing), ...rest);
  } catch {
    return path;
  }
}

/**
 * Writes a report to `--out`, making its folder first: a CI job's test-results/ may not exist yet.
 * A failure that checkOut could not foresee (the disk fills, the file is removed meanwhile) is
 * exit 2 naming the file, not an unexpected failure.
 */
export function writeReport(file: string, text: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOSPC' ? 'no space left on the device' : code === 'EDQUOT' ? 'disk quota exceeded' : (error as Error).message;
    throw new OutRefused(`could not write the report to --out ${file} (${why}); the report is lost`, undefined, undefined, undefined, 'free space there or pass another --out, and run again');
  }
}
