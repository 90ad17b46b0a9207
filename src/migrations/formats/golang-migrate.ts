import { InputError, type MigrationSet } from '../types.js';

/** Loads a golang-migrate migration folder. */
export async function loadGolangMigrate(dir: string, _env: Record<string, string | undefined> = process.env): Promise<MigrationSet> {
  throw new InputError(`the golang-migrate format is not implemented yet`, dir);
}
