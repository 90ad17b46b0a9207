import path from 'node:path';
import { noMigrations } from '../../migrations/versions.js';
import { downScript, migrationFile, toScript } from '../../migrations/script.js';
import { TextIndex } from '../../migrations/text-index.js';
import { InputError, type DirectiveValue, type Env, type Migration, type MigrationSet } from '../../migrations/types.js';
import { byBytes, fileNamed, fileNames, parsing, type Folder, type FolderFile, type Parsed } from '../../migrations/folder.js';

/** dbmate's migrationFileRegexp: the version is the leading digits. */
const MIGRATION_NAME = /^(\d+).*\.sql$/;

// Go's \s and \S, which are ASCII-only, unlike JavaScript's.
const SPACE = '[\\t\\n\\f\\r ]';
const NON_SPACE = '[^\\t\\n\\f\\r ]';
/** dbmate's upRegExp and downRegExp: a marker starts a line, and an option may follow it. */
const UP_MARKER = new RegExp(`^--${SPACE}*migrate:up(${SPACE}*$|${SPACE}+${NON_SPACE}+)`, 'gm');
const DOWN_MARKER = new RegExp(`^--${SPACE}*migrate:down(${SPACE}*$|${SPACE}+${NON_SPACE}+)`, 'gm');
const MARKER_PREFIX = new RegExp(`^--${SPACE}*migrate:(up|down)`);

/** The options dbmate reads on a marker line, and the values it tells apart. */
const OPTIONS: Record<string, readonly string[]> = { transaction: ['true', 'false'] };

const NEW_MIGRATION = 'dbmate new NAME writes the skeleton: -- migrate:up, the SQL, -- migrate:down, the SQL that undoes it';

/**
 * A dbmate folder: `VERSION_name.sql` files sorted by name, each with a `-- migrate:up` section
 * and a `-- migrate:down` section. The up section is the text from its marker line (included,
 * as dbmate sends it) to the down marker; its statements keep their places in the file.
 */
export function parseDbmate(folder: Folder, _env: Env = {}): Parsed {
  return parsing(() => parseFolder(folder));
}

function parseFolder(folder: Folder): MigrationSet {
  const root = folder.dir;
  const names = fileNames(folder, 'VERSION_name.sql files').sort(byBytes);
  const byVersion = new Map<string, string>();
  const files: { name: string; version: string }[] = [];
  for (const name of names) {
    if (!name.endsWith('.sql')) continue;
    const version = MIGRATION_NAME.exec(name)?.[1];
    if (version === undefined) {
      throw new InputError(
        'dbmate ignores this file: its name does not start with a version number',
        path.join(root, name),
        undefined,
        undefined,
        'rename it VERSION_name.sql (dbmate new NAME uses a UTC timestamp), or move it out of the folder: dbmate skips it without a word, so it would never run',
      );
    }
    const other = byVersion.get(version);
    if (other) {
      throw new InputError(
        `version ${version} is also the version of ${other}: dbmate records migrations by version, so on a fresh database this file fails with 23505 (duplicate key in schema_migrations) and every later run takes it as applied`,
        path.join(root, name),
        undefined,
        undefined,
        'give each migration its own version (dbmate new NAME uses a UTC timestamp)',
      );
    }
    byVersion.set(version, name);
    files.push({ name, version });
  }
  if (files.length === 0) {
    throw noMigrations(root, 'dbmate migration files', 'pass the folder that directly holds the VERSION_name.sql files (dbmate --migrations-dir)');
  }
  const migrations: Migration[] = [];
  for (const { name, version } of files) migrations.push(parseMigration(fileNamed(folder, name), name, version));
  return { dir: root, format: 'dbmate', migrations };
}

function parseMigration(source: FolderFile, name: string, version: string): Migration {
  const file = source.path;
  const { text, checksum } = migrationFile(source);
  const index = new TextIndex(text);
  const at = (offset: number): { line: number; column: number } => index.position(offset);
  const ups = markers(text, UP_MARKER);
  const downs = markers(text, DOWN_MARKER);
  const up = ups[0];
  const down = downs[0];

  if (up === undefined) {
    throw new InputError(
      "dbmate requires each migration to define an up block with '-- migrate:up'",
      file,
      undefined,
      undefined,
      NEW_MIGRATION,
    );
  }
  if (down !== undefined && down < up) {
    throw new InputError("dbmate requires '-- migrate:up' to appear before '-- migrate:down'", file, at(down).line, 1, NEW_MIGRATION);
  }
  const preamble = firstStatementLine(text.slice(0, up));
  if (preamble !== undefined) {
    throw new InputError(
      "dbmate does not support statements preceding the '-- migrate:up' block",
      file,
      preamble,
      1,
      'move the statement below -- migrate:up, or make the line a comment',
    );
  }
  const second = ups[1];
  if (second !== undefined) {
    throw new InputError(
      'a second -- migrate:up section: dbmate runs each section but records the version once per section, so the second record fails with 23505 (duplicate key in schema_migrations) after its SQL has run',
      file,
      at(second).line,
      1,
      'give each section a migration file of its own',
    );
  }
  if (down === undefined) {
    throw new InputError(
      "dbmate requires each migration to define a down block with '-- migrate:down'",
      file,
      undefined,
      undefined,
      'add a -- migrate:down line after the up SQL (with nothing below it if the migration cannot be undone)',
    );
  }
  const secondDown = downs[1];
  if (secondDown !== undefined) {
    throw new InputError(
      "a second -- migrate:down marker: dbmate refuses the file (it reports: dbmate requires each migration to define an up block with '-- migrate:up')",
      file,
      at(secondDown).line,
      1,
      'keep one -- migrate:down marker per migration',
    );
  }

  const upStart = at(up);
  const downStart = at(down);
  return {
    id: version,
    name: name.slice(0, -'.sql'.length),
    orderKey: name,
    file,
    up: toScript(text.slice(up, down), file, upStart.line, upStart.column),
    down: downScript(text.slice(down), file, downStart.line, downStart.column),
    directives: { ...options(text, up, file, upStart.line), ...prefixed('down-', options(text, down, file, downStart.line)) },
    checksum,
  };
}

function prefixed(prefix: string, values: Record<string, DirectiveValue>): Record<string, DirectiveValue> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`${prefix}${k}`, v]));
}

function markers(text: string, marker: RegExp): number[] {
  return [...text.matchAll(marker)].map((m) => m.index);
}

/** dbmate allows only blank lines and `--` comment lines above the up marker. */
function firstStatementLine(preamble: string): number | undefined {
  const lines = preamble.split('\n');
  const i = lines.findIndex((line) => !/^\s*$/.test(line) && !/^\s*--/.test(line));
  return i < 0 ? undefined : i + 1;
}

/**
 * The options on a marker line (`-- migrate:up transaction:false`). dbmate ignores what it does
 * not know, and disables the transaction only for the exact value `false`, so a typo would
 * silently leave the transaction on: refuse it instead.
 */
function options(text: string, start: number, file: string, line: number): Record<string, DirectiveValue> {
  const markerLine = text.slice(start).split('\n', 1)[0]!;
  const prefix = MARKER_PREFIX.exec(markerLine)?.[0] ?? '';
  const found: Record<string, DirectiveValue> = {};
  for (const token of markerLine.slice(prefix.length).matchAll(new RegExp(`${NON_SPACE}+`, 'g'))) {
    const column = prefix.length + token.index + 1;
    const pair = token[0].split(':');
    const [key, value] = pair;
    const known = key === undefined ? undefined : OPTIONS[key];
    if (pair.length !== 2 || !known) {
      throw new InputError(
        `unknown migration option '${token[0]}': dbmate ignores it and runs the section in a transaction`,
        file,
        line,
        column,
        `write the options as name:value; dbmate knows ${Object.entries(OPTIONS).map(([k, v]) => `${k}:${v.join('|')}`).join(', ')}`,
      );
    }
    if (!known.includes(value!)) {
      throw new InputError(
        `${key}:${value} is not a value dbmate tells apart: only '${key}:false' turns the transaction off, any other value leaves it on`,
        file,
        line,
        column,
        `write ${key}:false, or remove the option`,
      );
    }
    found[key!] = value === 'true';
  }
  return found;
}
