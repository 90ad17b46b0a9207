import { dirname } from 'node:path';
import { InfrastructureError } from './types.js';

/**
 * Why the embedded server's programs (initdb, postgres) could not start, read from what they or
 * node said: the two causes a user can fix in one step get their own message and fix line.
 */
export type StartupFailure =
  /** The dynamic loader found no library the binaries link to (`libicuuc.so.60`, …). */
  | { kind: 'missing-library'; library: string }
  /** Permission denied: on `path` (a program or folder) when node says which, else somewhere in stderr. */
  | { kind: 'access'; path?: string; syscall?: string };

/** What a failed start left: the program's stderr, and node's error code, syscall and path when node itself failed. */
export interface StartupEvidence {
  stderr?: string;
  code?: string;
  syscall?: string;
  path?: string;
}

const MISSING_LIBRARY = /error while loading shared libraries: ([^\s:]+)/;
// initdb and postgres say so in their own words: `could not create directory "…": Permission denied`.
const DENIED_PATH = /(?:could not (?:create|access|open|change)[^"]*|cannot be accessed[^"]*)"([^"]+)"[^\n]*Permission denied/i;

/** Pure: the fixable cause of a failed start, or undefined when it is none of those. */
export function classifyStartupFailure(evidence: StartupEvidence): StartupFailure | undefined {
  const stderr = evidence.stderr ?? '';
  const library = MISSING_LIBRARY.exec(stderr)?.[1];
  if (library !== undefined) return { kind: 'missing-library', library };
  if (evidence.code === 'EACCES' || evidence.code === 'EPERM') {
    return { kind: 'access', ...(evidence.path ? { path: evidence.path } : {}), ...(evidence.syscall ? { syscall: evidence.syscall } : {}) };
  }
  const denied = DENIED_PATH.exec(stderr);
  if (denied) return { kind: 'access', path: denied[1]! };
  if (/Permission denied/.test(stderr)) return { kind: 'access' };
  return undefined;
}

/** Where the failure happened, for the message: the binaries' package, the cluster folder, the user the server runs as. */
export interface StartupContext {
  program: string;
  /** The npm package the binaries came from, as it is named in node_modules (an alias for other majors). */
  packageName: string;
  /** The folder the run's cluster lives in (MIGTEST_TMPDIR, /dev/shm or the temp folder). */
  clusterParent: string;
  /** The OS user the server runs as when migtest runs as root. */
  serverUser?: string;
  /** The nearest folder on the way to `path` that the server user cannot enter, when one was found. */
  blockedFolder?: string;
}

/** Pure: the error a user sees for a classified failure, with the one step that fixes it. */
export function startupError(failure: StartupFailure, context: StartupContext, detail: string): InfrastructureError {
  if (failure.kind === 'missing-library') {
    return new InfrastructureError(
      `${context.program} cannot start: the shared library ${failure.library} is missing. The npm package ${context.packageName} ` +
        `ships it, and its install script links it into place; an install with --ignore-scripts (npm ci --ignore-scripts) skips that script.\n${detail}`,
      `npm rebuild ${context.packageName}`,
    );
  }
  const who = context.serverUser ? `the server's OS user '${context.serverUser}' (PostgreSQL refuses to run as root)` : 'migtest';
  const folder = context.blockedFolder ?? (failure.path ? folderOf(failure.path, failure.syscall) : context.clusterParent);
  const where = failure.syscall ? ` (${failure.syscall})` : '';
  // A program that could not be executed is the binaries' folder, wherever the cluster goes.
  const binaries = failure.syscall?.startsWith('spawn') === true;
  const inCluster = !binaries && (isInside(folder, context.clusterParent) || isInside(context.clusterParent, folder));
  const fix = inCluster
    ? `set MIGTEST_TMPDIR to a folder ${who === 'migtest' ? 'you can write to' : `'${context.serverUser}' can enter and write to`} (e.g. MIGTEST_TMPDIR=/tmp), or open ${folder} to it`
    : `let ${context.serverUser ?? 'this user'} enter ${folder} (chmod o+x on it and each folder above it), or install the project where it can; MIGTEST_TMPDIR sets where the cluster goes, not the binaries`;
  return new InfrastructureError(`${context.program} cannot start: permission denied on ${folder} for ${who}${where}.\n${detail}`.trimEnd(), fix);
}

/** A program that could not be executed is named by its folder: that is what needs opening. */
function folderOf(path: string, syscall: string | undefined): string {
  return syscall?.startsWith('spawn') ? dirname(path) : path;
}

function isInside(path: string, folder: string): boolean {
  const base = folder.endsWith('/') ? folder : `${folder}/`;
  return path === folder || path.startsWith(base);
}

/**
 * Pure: whether a user may enter a folder of this mode and owner (search permission). Groups
 * beyond the user's primary one are not known here, so a folder open only to one of those counts
 * as closed: the message then names a folder that may not be the culprit, never hides one.
 */
export function canEnter(stat: { mode: number; uid: number; gid: number }, user: { uid: number; gid: number }): boolean {
  if (user.uid === 0) return true;
  if (stat.uid === user.uid) return (stat.mode & 0o100) !== 0;
  if (stat.gid === user.gid) return (stat.mode & 0o010) !== 0;
  return (stat.mode & 0o001) !== 0;
}

/** The first folder from the root down to `path` that `user` cannot enter; `stat` reads a folder's mode. */
export function firstClosedFolder(
  path: string,
  user: { uid: number; gid: number },
  stat: (folder: string) => { mode: number; uid: number; gid: number } | undefined,
): string | undefined {
  const chain: string[] = [];
  for (let folder = path; ; folder = dirname(folder)) {
    chain.unshift(folder);
    if (dirname(folder) === folder) break;
  }
  for (const folder of chain) {
    const found = stat(folder);
    if (found && !canEnter(found, user)) return folder;
  }
  return undefined;
}
