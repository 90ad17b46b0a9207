import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../migrations/types.js';

/** The names a config file may have, in the order vitest and Node users expect them. */
export const CONFIG_NAMES = ['migtest.config.ts', 'migtest.config.mts', 'migtest.config.mjs', 'migtest.config.js'] as const;

function isFile(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The config a command run in `from` uses: the nearest `migtest.config.{ts,mts,mjs,js}` in `from`
 * or a folder above it, up to the filesystem root; undefined when there is none. Two names in one
 * folder are refused: which one is meant cannot be told, and the other would be silently ignored.
 */
export function findConfig(from: string): string | undefined {
  let folder = resolve(from);
  for (;;) {
    const here = CONFIG_NAMES.map((name) => join(folder, name)).filter(isFile);
    if (here.length > 1) {
      throw new InputError(
        `two migtest configs in one folder: ${here.map((f) => f.slice(folder.length + 1)).join(' and ')}`,
        here[0],
        undefined,
        undefined,
        'keep one of them, or pass the one you mean with --config <file>',
      );
    }
    if (here.length === 1) return here[0];
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
}
