import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../migrations/types.js';
import { changedInSet } from './filter.js';

/*
 * `--changed-since REF`: which files a change touched, as a pull request sees it. Like Atlas's
 * --git-base, the change is measured from where the branch left REF (the merge base, `git diff
 * REF...HEAD`), so commits added to REF since then are not the branch's; uncommitted changes,
 * staged or not, and new files git does not track yet are part of the change too, so a run
 * before committing reports what the commit will hold.
 */

/** The files added or changed since `ref`, absolute, for the git work tree that holds `dir`. */
export interface Changes {
  ref: string;
  /** Real paths (symbolic links resolved), as git names them from the top of the work tree. */
  files: Set<string>;
  /** Whether `file` (absolute, as the set was read) is one of them. */
  has(file: string): boolean;
  /** How many of them are inside the folder `dir`. */
  countIn(dir: string): number;
}

/** The path with symbolic links resolved, when it exists (a /tmp that is a link, say). */
function real(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** A failed git command's own words (its stderr's first line), for a message. */
function gitSaid(error: unknown): string {
  const e = error as { stderr?: string; code?: string; message?: string };
  if (e.code === 'ENOENT') return 'git is not installed (or not on PATH)';
  return (e.stderr ?? e.message ?? String(error)).trim().split('\n')[0] ?? 'git failed';
}

export function changedFiles(dir: string, ref: string): Changes {
  const cwd = resolve(dir);
  let top: string;
  try {
    top = real(git(cwd, ['rev-parse', '--show-toplevel']).trim());
  } catch (error) {
    throw new InputError(
      `--changed-since ${ref}: the set's folder is not in a git work tree (${gitSaid(error)})`,
      cwd,
      undefined,
      undefined,
      'run migtest where the set is checked out with git, or leave out --changed-since',
    );
  }
  try {
    git(top, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new InputError(
      `--changed-since ${ref}: git knows no commit by that name here`,
      undefined,
      undefined,
      undefined,
      `give a branch, tag or commit this clone has (e.g. origin/main); in CI, fetch it first: git fetch origin ${ref.replace(/^origin\//, '')} (a shallow checkout has only its own commit)`,
    );
  }
  let base: string;
  try {
    base = git(top, ['merge-base', ref, 'HEAD']).trim();
  } catch (error) {
    throw new InputError(
      `--changed-since ${ref}: ${ref} and HEAD have no common commit in this clone (${gitSaid(error)})`,
      undefined,
      undefined,
      undefined,
      'fetch more history (git fetch --unshallow, or fetch-depth: 0 in actions/checkout), or give a ref this branch started from',
    );
  }
  // -z: names as git stores them, never quoted; relative to the top of the work tree.
  const lists = [
    git(top, ['diff', '--name-only', '-z', '--no-renames', '--diff-filter=d', base]), // commits since the merge base, and uncommitted changes
    git(top, ['ls-files', '-z', '--others', '--exclude-standard']), // new files not tracked yet
  ];
  const files = new Set(lists.flatMap((list) => list.split('\0').filter(Boolean)).map((name) => resolve(top, name)));
  return { ref, files, has: (file) => files.has(file) || files.has(real(file)), countIn: (dir) => changedInSet(files, real(resolve(dir))) };
}
