import path from 'node:path';
import { noMigrations } from '../../migrations/versions.js';
import { downScript, migrationFile, toScript } from '../../migrations/script.js';
import { byBytes, fileNamed, fileNames, parsing, type Folder, type Parsed } from '../../migrations/folder.js';
import { InputError, type Env, type Migration, type MigrationSet } from '../../migrations/types.js';

/**
 * golang-migrate's `source.Regex`. A name that matches is a migration whatever its extension
 * (`1_x.up.sql.bak` too); the source driver skips every other name without a word.
 */
const MIGRATION_NAME = /^([0-9]+)_(.*)\.(up|down)\.(.*)$/;

/** `schema_migrations.version` is a bigint, and the driver passes the version as a Go int. */
const MAX_VERSION = 2n ** 63n - 1n;

type Direction = 'up' | 'down';

/** The files of one version; `base` names the migration (the up file's name without `.up.sql`). */
type Files = Partial<Record<Direction, string>> & { base: string };

interface MigrationName {
  name: string;
  /** The name without `.up.sql` / `.down.sql`, e.g. `000001_create_users`. */
  base: string;
  version: bigint;
  direction: Direction;
}

/**
 * A golang-migrate folder (`file://` or `iofs` source): `NUMBER_NAME.up.sql` and
 * `NUMBER_NAME.down.sql`, ordered by the number. A version with only a down file is kept with an
 * empty up script, since golang-migrate still moves the version over it.
 */
export function parseGolangMigrate(folder: Folder, _env: Env = {}): Parsed {
  return parsing(() => parseFolder(folder));
}

function parseFolder(folder: Folder): MigrationSet {
  const root = folder.dir;
  // ReadDir order: the later of two duplicate files is the one golang-migrate names.
  const names = fileNames(folder, 'NUMBER_NAME.up.sql files').sort(byBytes);
  const versions = new Map<bigint, Files>();
  for (const name of names) {
    const parsed = parseName(root, name);
    if (!parsed) continue;
    const files: Files = versions.get(parsed.version) ?? { base: parsed.base };
    const other = files[parsed.direction];
    if (other) {
      throw new InputError(
        `duplicate migration file: ${name} (version ${parsed.version} already has the ${parsed.direction} file ${other}); golang-migrate refuses to start`,
        path.join(root, name),
        undefined,
        undefined,
        'give each migration its own version: renumber one of the two files (migrate create -seq picks the next number)',
      );
    }
    files[parsed.direction] = name;
    if (parsed.direction === 'up') files.base = parsed.base;
    versions.set(parsed.version, files);
  }
  if (versions.size === 0) {
    throw noMigrations(root, 'golang-migrate migration files', 'pass the folder that directly holds the NUMBER_NAME.up.sql and NUMBER_NAME.down.sql files');
  }
  const migrations: Migration[] = [];
  for (const version of [...versions.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    migrations.push(parseMigration(folder, version, versions.get(version)!));
  }
  return { dir: root, format: 'golang-migrate', migrations };
}

function parseName(root: string, name: string): MigrationName | undefined {
  const match = MIGRATION_NAME.exec(name);
  if (!match) {
    if (!name.endsWith('.sql')) return undefined;
    throw new InputError(
      'golang-migrate ignores this file: its name is not NUMBER_NAME.up.sql or NUMBER_NAME.down.sql',
      path.join(root, name),
      undefined,
      undefined,
      'rename it, e.g. 000004_add_invoices.up.sql, or move it out of the folder: golang-migrate skips it without a word, so it would never run',
    );
  }
  const version = BigInt(match[1]!);
  if (version > MAX_VERSION) {
    throw new InputError(
      `version ${match[1]} is larger than schema_migrations.version (bigint) can hold`,
      path.join(root, name),
      undefined,
      undefined,
      `use a version up to ${MAX_VERSION} (a timestamp such as 20240115093000 fits)`,
    );
  }
  return { name, base: `${match[1]}_${match[2]}`, version, direction: match[3] as Direction };
}

function parseMigration(folder: Folder, version: bigint, files: Files): Migration {
  const upName = files.up;
  const downName = files.down;
  const source = fileNamed(folder, (upName ?? downName)!);
  const main = source.path;
  const { text, checksum } = migrationFile(source);
  const migration: Migration = {
    id: version.toString(),
    name: files.base,
    orderKey: version.toString().padStart(20, '0'),
    file: main,
    // Without an up file golang-migrate runs nothing for the version, but still records it.
    up: toScript(upName ? text : '', main),
    directives: upName ? {} : { 'up-file': false },
    checksum,
  };
  if (downName) {
    const down = fileNamed(folder, downName);
    migration.down = downScript(upName ? migrationFile(down).text : text, down.path);
  }
  return migration;
}


