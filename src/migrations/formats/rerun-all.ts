import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { readMigrationFile, toScript } from '../script.js';
import { initParser } from '../split.js';
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
  const files = await filesIn(root);
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

/** Names of the regular files (or links to them) directly in `root`. */
async function filesIn(root: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'the migration folder does not exist'
        : code === 'ENOTDIR'
          ? 'this is a file, not a migration folder'
          : `cannot read the migration folder (${(error as Error).message})`;
    throw new InputError(
      `${problem}`,
      root,
      undefined,
      undefined,
      'pass the path of the folder that holds the *.up.sql files',
    );
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.isFile()) names.push(entry.name);
    else if (entry.isSymbolicLink() && (await isFile(path.join(root, entry.name)))) {
      names.push(entry.name);
    }
  }
  return names;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false; // a dangling link is not a migration
  }
}

/**
 * The runner is a Go program (filepath.Glob, then sort.Strings): it orders names by UTF-8 bytes.
 * That equals JavaScript's code-unit order except for characters above U+FFFF, so compare bytes.
 */
function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
