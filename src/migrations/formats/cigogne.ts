import { InputError, type MigrationSet } from '../types.js';

/** Loads a cigogne migration folder. */
export async function loadCigogne(dir: string, _env: Record<string, string | undefined> = process.env): Promise<MigrationSet> {
  throw new InputError(`the cigogne format is not implemented yet`, dir);
}
