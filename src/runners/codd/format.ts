import path from 'node:path';
import { noMigrations, UniqueVersions } from '../../migrations/versions.js';
import { byBytes, fileNamed, fileNames, parsing, type Folder, type FolderFile, type Parsed } from '../../migrations/folder.js';
import { migrationFile } from '../../migrations/script.js';
import { splitStatements } from '../../migrations/split.js';
import { InputError, type Env, type Migration, type MigrationSet, type Script, type Statement } from '../../migrations/types.js';
import { parseConnection, type CoddConnection } from './connection-string.js';
import { cutCopyData } from './copy-data.js';
import { refuseUnsupportedCopy } from './copy-forms.js';
import { readHeader } from './header.js';
import { substitute } from './substitute.js';

export type { CoddConnection } from './connection-string.js';

/** The file name codd's `codd add` writes and its parser reads the timestamp from. */
export const CODD_PATTERN = 'YYYY-MM-DD-HH-MM-SS-name.sql';

/** The `kind` of the one statement a `-- codd: no-parse` migration is: the whole file, unparsed. */
export const NO_PARSE_KIND = 'NoParse';

/**
 * Loads a codd migration folder: every `*.sql` file directly in it, named
 * `YYYY-MM-DD-HH-MM-SS-name.sql`, in name order. The comments above the first statement may hold
 * `-- codd: no-txn` (or `in-txn`, `no-parse`, `requires-codd-schema`), `-- codd-connection: …` and
 * `-- codd-env-vars: A, B`; the declared variables are substituted as `${A}` in the whole file
 * from `env`. `COPY … FROM STDIN` data up to a `\.` line is kept on its statement (`copyData`).
 */
export function parseCodd(folder: Folder, env: Env = {}): Parsed {
  return parsing(() => parseFolder(folder, env));
}

function parseFolder(folder: Folder, env: Env): MigrationSet {
  const root = folder.dir;
  const names = fileNames(folder, `${CODD_PATTERN} files`).filter((name) => name.endsWith('.sql')).sort(byBytes);
  if (names.length === 0) {
    throw noMigrations(root, '*.sql files', `pass the folder that directly holds the migrations (CODD_MIGRATION_DIRS), named ${CODD_PATTERN}`);
  }
  const versions = new UniqueVersions();
  const migrations: Migration[] = [];
  for (const name of names) {
    const source = fileNamed(folder, name);
    const file = source.path;
    const stamp = timestampOf(name, file);
    versions.claim(stamp, name, file, `give ${name} a later timestamp: codd.sql_migrations has UNIQUE (migration_timestamp), so codd cannot record both`);
    migrations.push(parseMigration(source, name, env));
  }
  return { dir: root, format: 'codd', migrations };
}

/** `codd.sql_migrations.migration_timestamp` of a migration: its name's timestamp, in UTC. */
export function coddTimestamp(migration: Migration): string {
  const s = path.basename(migration.file);
  return `${s.slice(0, 10)} ${s.slice(11, 13)}:${s.slice(14, 16)}:${s.slice(17, 19)}+00`;
}

export function isNoTxn(migration: Migration): boolean {
  return migration.directives['no-txn'] === true;
}

/** The migration's `-- codd-connection:`, or undefined for the default connection. */
export function coddConnection(migration: Migration): CoddConnection | undefined {
  const d = migration.directives;
  if (typeof d['connection-key'] !== 'string') return undefined;
  return {
    database: String(d['connection-database']),
    user: String(d['connection-user'] ?? ''),
    key: d['connection-key'],
    display: String(d['connection']),
  };
}

// ---------------------------------------------------------------------------------------------
// File names

function timestampOf(name: string, file: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(.+)\.sql$/s.exec(name);
  if (!match) {
    throw new InputError(
      `"${name}" is not a codd migration name: codd reads the migration's timestamp from a name like ${CODD_PATTERN}`,
      file,
      undefined,
      undefined,
      'rename the file, e.g. 2024-03-01-09-00-00-create-customers.sql (`codd add` names files this way, with the UTC time)',
    );
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  const problem =
    month < 1 || month > 12
      ? `month ${match[2]}`
      : day < 1 || day > days
        ? `day ${match[3]} of a month with ${days} days`
        : hour > 23
          ? `hour ${match[4]}`
          : minute > 59
            ? `minute ${match[5]}`
            : second > 59
              ? `second ${match[6]}`
              : undefined;
  if (problem) {
    throw new InputError(
      `"${name}": ${match.slice(1, 7).join('-')} is not a date and time on the calendar (${problem}); codd refuses the migration`,
      file,
      undefined,
      undefined,
      `rename the file with the UTC date and time it was written, as ${CODD_PATTERN}`,
    );
  }
  return match.slice(1, 7).join('-');
}

// ---------------------------------------------------------------------------------------------
// One migration

function parseMigration(source: FolderFile, name: string, env: Env): Migration {
  const file = source.path;
  const { text, checksum } = migrationFile(source);
  const header = readHeader(text, file);
  const values = new Map<string, string>();
  for (const v of header.envVars) {
    const value = env[v.name];
    if (value === undefined) {
      throw new InputError(
        `the environment variable ${v.name} is declared in -- codd-env-vars but not set`,
        file,
        v.line,
        v.column,
        `set ${v.name} (for a scenario, in the environment migtest runs in), or remove it from -- codd-env-vars; ` +
          'codd itself would substitute an empty string, which rarely is what the migration means',
      );
    }
    values.set(v.name, value);
  }

  const directives: Migration['directives'] = {};
  for (const option of header.options) directives[option.name] = true;
  if (header.envVars.length > 0) directives['env-vars'] = header.envVars.map((v) => v.name);
  if (header.connection) {
    const connection = parseConnection(substitute(header.connection.text, values).text, file, header.connection);
    directives['connection'] = connection.display;
    directives['connection-database'] = connection.database;
    directives['connection-user'] = connection.user;
    directives['connection-key'] = connection.key;
  }

  const up =
    directives['no-parse'] === true
      ? // codd reads a no-parse file whole and sends it as it is: one statement, no substitution.
        noParseScript(text, file)
      : parsedScript(text, file, values);
  return { id: name, name, orderKey: name, file, up, directives, checksum };
}

function noParseScript(text: string, file: string): Script {
  const statement: Statement = { file, line: 1, column: 1, sql: text, offset: 0, length: text.length, kind: NO_PARSE_KIND };
  return { text, file, startLine: 1, startColumn: 1, statements: [statement] };
}

/**
 * The statements codd sends, one by one, with positions in the ORIGINAL file: `sql` and
 * `offset` address the text after substitution (what is sent), `line` and `column` the file.
 */
function parsedScript(original: string, file: string, values: Map<string, string>): Script {
  const substituted = substitute(original, values);
  const cut = cutCopyData(substituted.text, file, substituted);
  let statements: Statement[];
  try {
    statements = splitStatements(cut.parseText, { file });
  } catch (error) {
    if (error instanceof InputError && error.line !== undefined) {
      const at = substituted.originalPosition(offsetOf(cut.parseText, error.line, error.column ?? 1));
      throw new InputError(error.message, file, at.line, at.column, error.fix);
    }
    throw error;
  }
  const placed = statements.map((statement) => {
    const { line, column } = substituted.originalPosition(statement.offset);
    const data = cut.copies.get(statement.offset);
    return { ...statement, line, column, ...(data !== undefined && statement.kind === 'CopyStmt' ? { copyData: data } : {}) };
  });
  for (const statement of placed) refuseUnsupportedCopy(statement);
  for (const [offset] of cut.copies) {
    if (!placed.some((s) => s.offset === offset && s.copyData !== undefined)) {
      throw new Error(`codd loader: the COPY at offset ${offset} of ${file} does not start a statement of the parser`);
    }
  }
  const substitutions = substituted.substitutions.length > 0 ? { substitutions: substituted.substitutions } : {};
  return { text: substituted.text, file, startLine: 1, startColumn: 1, statements: placed, ...substitutions };
}

function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return Math.min(text.length, offset + column - 1);
}
