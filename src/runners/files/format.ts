import { downScript, migrationFile, toScript } from '../../migrations/script.js';
import { noMigrations } from '../../migrations/versions.js';
import { byBytes, fileNamed, fileNames, parsing, type Folder, type Parsed } from '../../migrations/folder.js';
import { type Env, type Migration, type MigrationSet } from '../../migrations/types.js';

const UP = '.up.sql';
const DOWN = '.down.sql';

/**
 * A folder for a home-grown boot runner: every `*.up.sql`, in name order (byte order, as Go's
 * sort.Strings and JavaScript's default sort of ASCII names give it). `.down.sql` files are never
 * run by such a runner; they are loaded as `down` scripts only so that lint can read them.
 */
export function parseFiles(folder: Folder, _env: Env = {}): Parsed {
  return parsing(() => parseFolder(folder));
}

function parseFolder(folder: Folder): MigrationSet {
  const root = folder.dir;
  const files = fileNames(folder, '*.up.sql files');
  const ups = files.filter((name) => name.endsWith(UP)).sort(byBytes);
  if (ups.length === 0) {
    throw noMigrations(root, `*${UP} files`, `pass the folder that directly holds the migrations; the files runner applies only ` +
        `files named NAME${UP} (not subfolders, not .down.sql)`);
  }
  const downs = new Set(files.filter((name) => name.endsWith(DOWN)));
  const migrations: Migration[] = [];
  for (const name of ups) {
    const downName = name.slice(0, -UP.length) + DOWN;
    migrations.push(parseMigration(folder, name, downs.has(downName) ? downName : undefined));
  }
  return { dir: root, format: 'files', migrations };
}

function parseMigration(folder: Folder, name: string, downName?: string): Migration {
  const source = fileNamed(folder, name);
  const file = source.path;
  const { text, checksum } = migrationFile(source);
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
    const down = fileNamed(folder, downName);
    migration.down = downScript(migrationFile(down).text, down.path);
  }
  return migration;
}


