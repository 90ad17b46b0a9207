import path from 'node:path';
import { readMigrationFile, toScript } from '../script.js';
import { initParser } from '../split.js';
import { byBytes, filesIn } from '../folder.js';
import { InputError, type Migration, type MigrationSet } from '../types.js';

const UP = '.up.sql';
const DOWN = '.down.sql';

/**
 * A folder for a runner that applies every `*.up.sql` at each start, in name order, with no
 * tracker (certctl's boot-time runner). `.down.sql` files are never run by such a runner; they
 * are loaded as `down` scripts only so the `down` check can use them.
 */
export async function loadRerunAll(dir: string): Promise<MigrationSet> {
  const root = path.resolve(dir);
  const files = await filesIn(root, '*.up.sql files');
  const ups = files.filter((name) => name.endsWith(UP)).sort(byBytes);
  if (ups.length === 0) {
    throw new InputError(
      `no *${UP} files in this folder`,
      root,
      undefined,
      undefined,
      `pass the folder that directly holds the migrations; the rerun-all runner applies only ` +
        `files named NAME${UP} (not subfolders, not .down.sql)`,
    );
  }
  await initParser();
  const downs = new Set(files.filter((name) => name.endsWith(DOWN)));
  const migrations: Migration[] = [];
  for (const name of ups) {
    const downName = name.slice(0, -UP.length) + DOWN;
    migrations.push(await loadMigration(root, name, downs.has(downName) ? downName : undefined));
  }
  return { dir: root, format: 'rerun-all', migrations };
}

async function loadMigration(root: string, name: string, downName?: string): Promise<Migration> {
  const file = path.join(root, name);
  const { text, checksum } = await readMigrationFile(file);
  const migration: Migration = {
    id: name,
    name,
    orderKey: name,
    file,
    up: toScript(text, file),
    directives: {},
    checksum,
  };
  if (downName) {
    const downFile = path.join(root, downName);
    migration.down = toScript((await readMigrationFile(downFile)).text, downFile);
  }
  return migration;
}


