import { statfsSync } from 'node:fs';

/** Bytes free for an unprivileged writer on the filesystem of `dir`; undefined when it cannot be read. */
export function freeBytes(dir: string | undefined): number | undefined {
  if (dir === undefined) return undefined;
  try {
    const { bavail, bsize } = statfsSync(dir);
    return bavail * bsize;
  } catch {
    return undefined;
  }
}
