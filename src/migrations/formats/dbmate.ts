import { InputError, type MigrationSet } from '../types.js';

/** Loads a dbmate migration folder. */
export async function loadDbmate(dir: string, _env: Record<string, string | undefined> = process.env): Promise<MigrationSet> {
  throw new InputError(`the dbmate format is not implemented yet`, dir);
}
