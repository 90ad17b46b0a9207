import { TOOL_NAMES, toolNamed } from '../runners/registry.js';
import { readFolder, type Folder, type Parsed } from './folder.js';
import { initParser } from './split.js';
import { InputError, type Env, type MigrationSet } from './types.js';

/** The parser of `format`, which may come from a command line or config file: checked at run time too. */
function parserOf(format: string): (folder: Folder, env: Env) => Parsed {
  const tool = toolNamed(format);
  if (!tool) {
    throw new InputError(`unknown migration format "${String(format)}"`, undefined, undefined, undefined, `use one of: ${TOOL_NAMES.join(', ')}`);
  }
  return tool.parse;
}

/** Parses a folder already read as `format` (a tool's name). Pure once the parser is loaded (`await initParser()`). */
export function parseSet(folder: Folder, format: string, env: Env): Parsed {
  return parserOf(format)(folder, env);
}

/** Reads the folder `dir` and parses it as `format`; `env` holds the variables a set may read (none if absent). */
export async function loadSet(dir: string, format: string, env: Env = {}): Promise<MigrationSet> {
  const parse = parserOf(format);
  await initParser();
  const parsed = parse(await readFolder(dir), env);
  if (parsed.problems[0]) throw parsed.problems[0];
  return parsed.set!;
}
