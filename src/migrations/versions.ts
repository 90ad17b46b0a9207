import { InputError } from './types.js';

/**
 * The versions a tool's file names give, each at most once: tools that key their record on the
 * version (a timestamp) cannot apply two files with the same one, so the set is refused at load.
 */
export class UniqueVersions {
  private readonly seen = new Map<string, string>();

  /** Records `name`'s version; a version another file has already is bad input, with `fix` as the fix line. */
  claim(version: string, name: string, file: string, fix: string): void {
    const other = this.seen.get(version);
    if (other !== undefined) {
      throw new InputError(`two migrations have the timestamp ${version}: ${other} and ${name}`, file, undefined, undefined, fix);
    }
    this.seen.set(version, name);
  }
}

/** A folder holding no migration the tool would apply: bad input, named by what was looked for. */
export function noMigrations(dir: string, what: string, fix: string): InputError {
  return new InputError(`no ${what} in this folder`, dir, undefined, undefined, fix);
}
