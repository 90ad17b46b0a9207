import { parseRerunAll } from './formats/rerun-all.js';
import { parseGolangMigrate } from './formats/golang-migrate.js';
import { parseCigogne } from './formats/cigogne.js';
import { parseCodd } from './formats/codd.js';
import { parseDbmate } from './formats/dbmate.js';
import { readFolder, type Folder, type Parsed } from './folder.js';
import { initParser } from './split.js';
import { InputError, type Env, type FormatName, type MigrationSet } from './types.js';

const FORMATS: Record<FormatName, (folder: Folder, env: Env) => Parsed> = {
  'rerun-all': parseRerunAll,
  'golang-migrate': parseGolangMigrate,
  cigogne: parseCigogne,
  codd: parseCodd,
  dbmate: parseDbmate,
};

/** The parser of `format`, which may come from a command line or config file: checked at run time too. */
function parserOf(format: FormatName): (folder: Folder, env: Env) => Parsed {
  const parse = Object.hasOwn(FORMATS, format) ? FORMATS[format] : undefined;
  if (!parse) {
    throw new InputError(`unknown migration format "${String(format)}"`, undefined, undefined, undefined, `use one of: ${Object.keys(FORMATS).join(', ')}`);
  }
  return parse;
}

/** Parses a folder already read as `format`. Pure once the parser is loaded (`await initParser()`). */
export function parseSet(folder: Folder, format: FormatName, env: Env): Parsed {
  return parserOf(format)(folder, env);
}

/** Reads the folder `dir` and parses it as `format`; `env` holds the variables a set may read (none if absent). */
export async function loadSet(dir: string, format: FormatName, env: Env = {}): Promise<MigrationSet> {
  const parse = parserOf(format);
  await initParser();
  const parsed = parse(await readFolder(dir), env);
  if (parsed.problems[0]) throw parsed.problems[0];
  return parsed.set!;
}
