import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathIn } from '../checks/paths.js';
import { InputError } from '../migrations/types.js';
import type { RunRequest } from '../run.js';
import { fieldPlace } from '../config/define.js';
import { findConfig } from '../config/discover.js';
import { loadConfigFile } from '../config/file.js';
import type { MigtestConfig } from '../config/define.js';

/**
 * The config's expected-schema folder, when check expected is to read it and it is missing:
 * refused at the config's `expected` line, since that is what to correct (or where snapshot writes).
 */
export function checkConfigExpected(found: CommandConfig, request: RunRequest, givenOnCommandLine: boolean): void {
  const folder = request.options.expected;
  if (givenOnCommandLine || found.config.expected === undefined || folder === undefined) return;
  if (!request.checks.includes('expected') || existsSync(folder)) return;
  const at = fieldPlace(found.file, 'expected');
  throw new InputError(
    `expected: no expected-schema folder ${pathIn(folder)} for check expected`,
    found.file,
    at.line,
    at.column,
    "write it with npx migtest snapshot (it writes to the config's expected folder), review and commit it; or correct expected",
  );
}

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
