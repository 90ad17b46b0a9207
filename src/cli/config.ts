import { resolve } from 'node:path';
import { findConfig } from '../config/discover.js';
import { loadConfigFile } from '../config/file.js';
import type { MigtestConfig } from '../config/define.js';

/** The config a command uses, and the file it came from. */
export interface CommandConfig {
  config: MigtestConfig;
  file: string;
  /** Found by looking upward from the current folder, not named with --config. */
  discovered: boolean;
}

/**
 * The config of one command: `--config <file>` as given, none with `--no-config` (commander's
 * `false`), else the nearest `migtest.config.*` from `cwd` upward, as vitest and eslint find theirs.
 */
export async function commandConfig(option: unknown, cwd = process.cwd()): Promise<CommandConfig | undefined> {
  if (option === false) return undefined;
  if (typeof option === 'string') return { config: await loadConfigFile(option), file: resolve(option), discovered: false };
  const found = findConfig(cwd);
  return found === undefined ? undefined : { config: await loadConfigFile(found), file: found, discovered: true };
}
