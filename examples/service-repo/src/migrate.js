import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIGRATIONS = fileURLToPath(new URL('../db/migrations/', import.meta.url));

/** The migration files in the order the service applies them: every `*.up.sql`, by name. */
export async function migrationFiles(dir = MIGRATIONS) {
  const names = await readdir(dir);
  return names.filter((name) => name.endsWith('.up.sql')).sort();
}

/**
 * Applies every migration, at every boot. There is no table of applied versions: each file is
 * sent as one string (PostgreSQL runs it in one implicit transaction), so each must be safe to
 * run again. migtest's `rerun-all` runner model checks exactly this.
 */
export async function migrate(client, dir = MIGRATIONS) {
  for (const name of await migrationFiles(dir)) {
    const sql = await readFile(join(dir, name), 'utf8');
    try {
      await client.query(sql);
    } catch (error) {
      throw new Error(`migration ${name} failed: ${error.message}`, { cause: error });
    }
  }
}
