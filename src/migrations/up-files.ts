import { downScript, migrationFile, toScript } from './script.js';
import { noMigrations } from './versions.js';
import { byBytes, fileNamed, fileNames, parsing, type Folder, type Parsed } from './folder.js';
import type { Env, Migration, MigrationSet } from './types.js';

const UP = '.up.sql';
const DOWN = '.down.sql';

/**
 * A folder of `*.up.sql` files, each applied as it is in name order (byte order, as Go's
 * sort.Strings and JavaScript's default sort of ASCII names give it), with no directives: the
 * folder of a runner that sends every file whole. A `NAME.down.sql` beside `NAME.up.sql` is loaded
 * as its down script (lint and check `down` read it; such a runner never runs it). `runner` names
 * the runner in messages; `format` is what the set records it was read as.
 */
export function parseUpFiles(folder: Folder, runner: string, format: MigrationSet['format'], _env: Env = {}): Parsed {
  return parsing(() => {
    const root = folder.dir;
    const files = fileNames(folder, `*${UP} files`);
    const ups = files.filter((name) => name.endsWith(UP)).sort(byBytes);
    if (ups.length === 0) {
      throw noMigrations(root, `*${UP} files`, `pass the folder that directly holds the migrations; the ${runner} runner applies only ` +
          `files named NAME${UP} (not subfolders, not ${DOWN})`);
    }
    const downs = new Set(files.filter((name) => name.endsWith(DOWN)));
    const migrations = ups.map((name) => {
      const downName = name.slice(0, -UP.length) + DOWN;
      return upFile(folder, name, downs.has(downName) ? downName : undefined);
    });
    return { dir: root, format, migrations };
  });
}

function upFile(folder: Folder, name: string, downName?: string): Migration {
  const source = fileNamed(folder, name);
  const { text, checksum } = migrationFile(source);
  const migration: Migration = { id: name, name, orderKey: name, file: source.path, up: toScript(text, source.path), directives: {}, checksum };
  if (downName) {
    const down = fileNamed(folder, downName);
    migration.down = downScript(migrationFile(down).text, down.path);
  }
  return migration;
}
