import type { Folder, Parsed } from '../../migrations/folder.js';
import type { Env } from '../../migrations/types.js';
import { parseUpFiles } from '../../migrations/up-files.js';

/**
 * A folder for a home-grown boot runner: every `*.up.sql`, in name order. `.down.sql` files are
 * never run by such a runner; they are loaded as `down` scripts only so that lint can read them.
 */
export function parseFiles(folder: Folder, env: Env = {}): Parsed {
  return parseUpFiles(folder, 'files', 'files', env);
}
