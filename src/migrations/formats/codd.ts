import { InputError, type MigrationSet } from '../types.js';

/** Loads a codd migration folder. */
export async function loadCodd(dir: string, _env: Record<string, string | undefined> = process.env): Promise<MigrationSet> {
  throw new InputError(`the codd format is not implemented yet`, dir);
}
