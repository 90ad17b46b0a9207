import path from 'node:path';
import { loadRerunAll } from './formats/rerun-all.js';
import { loadGolangMigrate } from './formats/golang-migrate.js';
import { loadCigogne } from './formats/cigogne.js';
import { loadCodd } from './formats/codd.js';
import { loadDbmate } from './formats/dbmate.js';
import { InputError, type FormatName, type MigrationSet } from './types.js';

const FORMATS: readonly FormatName[] = ['rerun-all', 'golang-migrate', 'cigogne', 'codd', 'dbmate'];

/** Loads the migration set in `dir`, read as `format`. */
export async function loadSet(
  dir: string,
  format: FormatName,
  env: Record<string, string | undefined> = process.env,
): Promise<MigrationSet> {
  const root = path.resolve(dir);
  switch (format) {
    case 'rerun-all':
      return loadRerunAll(root);
    case 'golang-migrate':
      return loadGolangMigrate(root, env);
    case 'cigogne':
      return loadCigogne(root, env);
    case 'codd':
      return loadCodd(root, env);
    case 'dbmate':
      return loadDbmate(root, env);
    default:
      // `format` may come from a command line or config file, so it is checked at run time too.
      throw new InputError(
        `unknown migration format "${String(format)}"`,
        undefined,
        undefined,
        undefined,
        `use one of: ${FORMATS.join(', ')}`,
      );
  }
}
