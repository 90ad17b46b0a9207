import type { Folder, Parsed } from '../../migrations/folder.js';
import type { Env } from '../../migrations/types.js';
import { parseUpFiles } from '../../migrations/up-files.js';

/**
 * A folder for a runner that applies every `*.up.sql` at each start, in name order, with no
 * tracker (certctl's boot-time runner). `.down.sql` files are never run by such a runner; they
 * are loaded as `down` scripts only so that lint can read them.
 */
export function parseRerunAll(folder: Folder, env: Env = {}): Parsed {
  return parseUpFiles(folder, 'rerun-all', 'rerun-all', env);
}
