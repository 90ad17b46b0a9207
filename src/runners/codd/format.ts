import { createHash } from 'node:crypto';
import path from 'node:path';
import { parseSync } from 'libpg-query';
import { parse as parseUri } from 'pg-connection-string';
import { migrationFile } from '../../migrations/script.js';
import { splitStatements } from '../../migrations/split.js';
import { byBytes, fileNamed, fileNames, parsing, type Folder, type FolderFile, type Parsed } from '../../migrations/folder.js';
import { TextIndex } from '../../migrations/text-index.js';
import { InputError, type Env, type Migration, type MigrationSet, type Script, type Statement, type Substitution } from '../../migrations/types.js';

/** The file name codd's `codd add` writes and its parser reads the timestamp from. */
export const CODD_PATTERN = 'YYYY-MM-DD-HH-MM-SS-name.sql';

/** The options `-- codd:` accepts (codd's SectionOption). */
const OPTIONS = ['in-txn', 'no-txn', 'no-parse', 'requires-codd-schema'] as const;

/** The `kind` of the one statement a `-- codd: no-parse` migration is: the whole file, unparsed. */
export const NO_PARSE_KIND = 'NoParse';

/**
 * Where a `-- codd-connection:` sends a migration. Only `database` and `user` are used on the
 * server under test (its host, port and password replace the others); `key` tells connections
 * apart the way codd compares them (all fields), without keeping the password.
 */
export interface CoddConnection {
  database: string;
  /** Empty when the string names no user: the server under test's user is used. */
  user: string;
  key: string;
  /** For messages: `postgres://user@host:port/database`, the password replaced by `****`. */
  display: string;
}

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
    throw new InputError(
      'no *.sql files in this folder',
      root,
      undefined,
      undefined,
      `pass the folder that directly holds the migrations (CODD_MIGRATION_DIRS), named ${CODD_PATTERN}`,
    );
  }
  const byStamp = new Map<string, string>();
  const migrations: Migration[] = [];
  for (const name of names) {
    const source = fileNamed(folder, name);
    const file = source.path;
    const stamp = timestampOf(name, file);
    const other = byStamp.get(stamp);
    if (other !== undefined) {
      throw new InputError(
        `two migrations have the timestamp ${stamp}: ${other} and ${name}`,
        file,
        undefined,
        undefined,
        `give ${name} a later timestamp: codd.sql_migrations has UNIQUE (migration_timestamp), so codd cannot record both`,
      );
    }
    byStamp.set(stamp, name);
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

// ---------------------------------------------------------------------------------------------
// Header comments

interface Located {
  line: number;
  column: number;
}

interface Header {
  options: (Located & { name: (typeof OPTIONS)[number] })[];
  connection?: Located & { text: string };
  envVars: (Located & { name: string })[];
}

/**
 * Reads the directives in the comments above the first statement, as codd does: only `--`
 * comments count, and a `-- codd:` further down is an ordinary comment.
 */
function readHeader(text: string, file: string): Header {
  const index = new TextIndex(text);
  const header: Header = { options: [], envVars: [] };
  const fail = (message: string, at: number, fix?: string): never => {
    const { line, column } = index.position(at);
    throw new InputError(message, file, line, column, fix);
  };

  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text.charAt(i))) {
      i++;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (text.startsWith('--', i)) {
      let end = text.indexOf('\n', i);
      if (end < 0) end = text.length;
      readDirective(text.slice(i, end).replace(/\r$/, ''), i);
      i = end;
    } else {
      break;
    }
  }

  const names = header.options.map((o) => o.name);
  if (names.includes('in-txn') && names.includes('no-txn')) {
    const second = header.options.find((o) => o.name === (names.indexOf('in-txn') > names.indexOf('no-txn') ? 'in-txn' : 'no-txn'))!;
    throw new InputError(
      "'in-txn' and 'no-txn' exclude each other (codd: choose either in-txn, no-txn or leave blank for the default of in-txn)",
      file,
      second.line,
      second.column,
      'keep one of them',
    );
  }
  if (names.includes('no-txn') && names.includes('no-parse')) {
    const second = header.options[Math.max(names.indexOf('no-txn'), names.indexOf('no-parse'))]!;
    throw new InputError(
      "It is not possible to set both 'no-txn' and 'no-parse' (codd refuses the migration)",
      file,
      second.line,
      second.column,
      'a no-parse migration is sent whole in a transaction: drop no-parse so codd can send the statements one by one outside a transaction, or drop no-txn',
    );
  }
  return header;

  function readDirective(comment: string, at: number): void {
    const directive = /^--[ \t]*(codd(?:-[A-Za-z-]*)?):/.exec(comment);
    if (!directive) return;
    const word = directive[1]!;
    const bodyAt = at + directive[0].length;
    const body = comment.slice(directive[0].length);
    switch (word) {
      case 'codd':
        return readOptions(body, bodyAt);
      case 'codd-connection': {
        const lead = /^[ \t]*/.exec(body)![0].length;
        const value = body.slice(lead).trimEnd();
        if (header.connection) {
          fail(`a second -- codd-connection: (the first is on line ${header.connection.line}); codd allows one per migration`, at, 'keep one');
        }
        if (value === '') fail('-- codd-connection: names no connection string', at, 'write e.g. -- codd-connection: postgres://postgres@localhost/postgres');
        header.connection = { ...index.position(bodyAt + lead), text: value };
        return;
      }
      case 'codd-env-vars':
        return readEnvVars(body, bodyAt);
      default:
        fail(
          `unknown codd directive "-- ${word}:"`,
          at,
          'codd reads -- codd:, -- codd-connection: and -- codd-env-vars: (anything else is an ordinary comment to codd, so a typo here silently changes what runs)',
        );
    }
  }

  function readOptions(body: string, bodyAt: number): void {
    for (const item of items(body, bodyAt)) {
      if (item.text === '') {
        fail('-- codd: lists an empty option', item.at, `write the options separated by commas, e.g. -- codd: no-txn`);
      }
      const option = OPTIONS.find((o) => o === item.text);
      if (!option) {
        fail(`unknown option '${item.text}' after -- codd:`, item.at, `codd's options are ${OPTIONS.join(', ')}`);
      }
      if (header.options.some((o) => o.name === option)) {
        fail(`the option '${option}' is given twice (codd: some options are duplicated)`, item.at, 'give each option once');
      }
      header.options.push({ name: option!, ...index.position(item.at) });
    }
  }

  function readEnvVars(body: string, bodyAt: number): void {
    for (const item of items(body, bodyAt)) {
      if (!/^[A-Za-z0-9_]+$/.test(item.text)) {
        fail(
          `malformed -- codd-env-vars: "${item.text}" is not a variable name`,
          item.at,
          'list names of letters, digits and underscores, separated by commas: -- codd-env-vars: PGDATABASE, APP_ROLE',
        );
      }
      if (!header.envVars.some((v) => v.name === item.text)) header.envVars.push({ name: item.text, ...index.position(item.at) });
    }
  }
}

/** The comma-separated items of a directive, trimmed, each with the offset of its first character. */
function items(body: string, bodyAt: number): { text: string; at: number }[] {
  const out: { text: string; at: number }[] = [];
  let start = 0;
  for (const part of body.split(',')) {
    const lead = /^[ \t]*/.exec(part)![0].length;
    out.push({ text: part.trim(), at: bodyAt + start + lead });
    start += part.length + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// ${VAR} substitution that remembers where each character came from

export interface Substituted {
  text: string;
  /** Where values replaced `${VAR}`s, in the new text: a server position maps back through them. */
  substitutions: Substitution[];
  /** The line and column in the original text of a code-unit offset in `text`. */
  originalPosition(offset: number): { line: number; column: number };
}

/**
 * codd replaces `${VAR}` for every declared variable, everywhere in the file. The result is what
 * is sent; positions map back to the original file. A statement that starts inside a substituted
 * value maps to the `${VAR}` it came from (best effort: the value's own lines have no place in the file).
 */
function substitute(original: string, values: Map<string, string>): Substituted {
  const index = new TextIndex(original);
  // [offset in the new text, offset in the original, length in the new text, length in the original]
  const pieces: [number, number, number, number][] = [];
  let text = original;
  if (values.size > 0) {
    const names = [...values.keys()].map((n) => n.replace(/[^A-Za-z0-9_]/g, '')).join('|');
    const pattern = new RegExp(`\\$\\{(${names})\\}`, 'g');
    let out = '';
    let last = 0;
    for (const match of original.matchAll(pattern)) {
      const value = values.get(match[1]!)!;
      out += original.slice(last, match.index);
      pieces.push([out.length, match.index, value.length, match[0].length]);
      out += value;
      last = match.index + match[0].length;
    }
    text = out + original.slice(last);
  }
  return {
    text,
    substitutions: pieces.map(([at, , length, originalLength]) => ({ at, length, originalLength })),
    originalPosition(offset: number) {
      let shift = 0;
      for (const [at, from, length, originalLength] of pieces) {
        if (offset < at) break;
        if (offset < at + length) return index.position(from);
        shift = from + originalLength - (at + length);
      }
      return index.position(offset + shift);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// COPY … FROM STDIN data and psql's \restrict lines

interface Cut {
  /** The text with COPY data and `\restrict` lines blanked (line ends kept): what the parser reads. */
  parseText: string;
  /** COPY data by the offset of its COPY statement. */
  copies: Map<number, string>;
}

/**
 * Walks the text at top level (comments, quotes, dollar quotes) to find `COPY … FROM STDIN;`:
 * the data that follows it up to a line `\.` is cut out, since no SQL parser can read it, and
 * kept for the copy protocol. Blanking instead of removing keeps every later offset valid.
 */
function cutCopyData(text: string, file: string, substituted: Substituted): Cut {
  const chars = text.split('');
  const copies = new Map<number, string>();
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (chars[k] !== '\n' && chars[k] !== '\r') chars[k] = ' ';
  };
  const fail = (message: string, at: number, fix: string): never => {
    const { line, column } = substituted.originalPosition(at);
    throw new InputError(message, file, line, column, fix);
  };

  let start = -1;
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (text.startsWith('/*', i)) {
      i = skipBlockComment(text, i);
    } else if (start < 0 && c === '\\') {
      // A psql meta-command line. codd skips pg_dump's \restrict and \unrestrict; any other is
      // left for the parser, which reports it with its line.
      let end = text.indexOf('\n', i);
      if (end < 0) end = text.length;
      if (/^\\(un)?restrict(\s|$)/.test(text.slice(i, end))) blank(i, end);
      i = end;
    } else {
      if (start < 0) start = i;
      if (c === ';') {
        i = afterStatement(start, i);
        start = -1;
      } else if (c === "'") {
        i = skipQuoted(text, i, "'", isEscapeString(text, i));
      } else if (c === '"') {
        i = skipQuoted(text, i, '"', false);
      } else if (c === '$' && !isIdentChar(text.charAt(i - 1))) {
        i = skipDollarQuote(text, i);
      } else {
        i++;
      }
    }
  }
  return { parseText: chars.join(''), copies };

  /** Past the `;` at `semicolon`; past the COPY data too if the statement is COPY … FROM STDIN. */
  function afterStatement(from: number, semicolon: number): number {
    const statement = text.slice(from, semicolon);
    if (!/^copy\b/i.test(statement) || !isCopyFromStdin(statement)) return semicolon + 1;
    const lineEnd = text.indexOf('\n', semicolon);
    const rest = text.slice(semicolon + 1, lineEnd < 0 ? text.length : lineEnd);
    if (!/^\s*(--.*)?$/.test(rest)) {
      fail(
        'the COPY … FROM STDIN data must start on the line after the statement, and nothing else may follow the statement on its line',
        semicolon + 1,
        'move what follows the semicolon to the lines after the data',
      );
    }
    let lineStart = lineEnd < 0 ? text.length : lineEnd + 1;
    const dataStart = lineStart;
    while (lineStart < text.length) {
      let end = text.indexOf('\n', lineStart);
      if (end < 0) end = text.length;
      if (text.slice(lineStart, end).replace(/\r$/, '') === '\\.') {
        copies.set(from, text.slice(dataStart, lineStart));
        blank(dataStart, end);
        return end;
      }
      lineStart = end + 1;
    }
    return fail(
      'COPY … FROM STDIN has no end-of-data line: its data must end with a line holding only \\.',
      from,
      'add a line \\. after the last data row',
    );
  }
}

function isCopyFromStdin(statement: string): boolean {
  try {
    const node = parseSync(statement).stmts?.[0]?.stmt;
    if (!node || !('CopyStmt' in node)) return false;
    const copy = node.CopyStmt;
    return copy.is_from === true && copy.filename === undefined && copy.is_program !== true;
  } catch {
    return false; // not a statement on its own: the parser reports it with the whole file
  }
}

function isIdentChar(c: string): boolean {
  return /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}

/** E'…' (and e'…') strings take backslash escapes; an identifier ending in e does not make one. */
function isEscapeString(text: string, quote: number): boolean {
  return /[eE]/.test(text.charAt(quote - 1)) && !isIdentChar(text.charAt(quote - 2));
}

function skipQuoted(text: string, at: number, quote: string, backslashes: boolean): number {
  let i = at + 1;
  while (i < text.length) {
    const c = text.charAt(i);
    if (backslashes && c === '\\') i += 2;
    else if (c === quote && text.charAt(i + 1) === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return text.length;
}

function skipDollarQuote(text: string, at: number): number {
  const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(at, at + 200));
  if (!tag) return at + 1; // a parameter ($1) or a lone $
  const end = text.indexOf(tag[0], at + tag[0].length);
  return end < 0 ? text.length : end + tag[0].length;
}

function skipBlockComment(text: string, at: number): number {
  let depth = 0;
  let i = at;
  while (i < text.length) {
    if (text.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (text.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return text.length;
}

// ---------------------------------------------------------------------------------------------
// Connection strings

/**
 * A libpq connection string in codd's two accepted forms: a `postgres://` URI (read with
 * pg-connection-string; codd refuses query strings and fragments) or `key=value` pairs (which
 * pg-connection-string does not read, so they are read here with libpq's quoting rules; codd
 * requires host, user and dbname there). Messages never repeat the string: it may hold a password.
 */
function parseConnection(value: string, file: string, at: Located): CoddConnection {
  const fail = (problem: string): never => {
    throw new InputError(
      `-- codd-connection: ${problem}`,
      file,
      at.line,
      at.column,
      "write a libpq connection string: postgres://user@host:port/database, or 'dbname=database host=localhost user=postgres'",
    );
  };
  let fields: { host: string; port: string; user: string; password: string; database: string };
  if (/^postgres(ql)?:\/\//i.test(value)) {
    if (/[?#]/.test(value.replace(/^[^@]*@/, ''))) {
      fail('codd does not accept parameters (?…) or fragments (#…) in a connection URI');
    }
    let parsed: ReturnType<typeof parseUri>;
    try {
      parsed = parseUri(value);
    } catch {
      return fail('the URI cannot be read');
    }
    if (!parsed.host) fail('the URI names no host (codd: connection string must contain at least user and host)');
    if (!parsed.database) fail('the URI names no database (codd: connection string must contain a database name)');
    fields = {
      host: parsed.host ?? '',
      port: parsed.port || '5432',
      user: parsed.user ?? '',
      password: parsed.password ?? '',
      database: parsed.database ?? '',
    };
  } else {
    const pairs = keywordValues(value) ?? fail('the string is neither a postgres:// URI nor key=value pairs');
    const get = (key: string, required: boolean): string => {
      const found = pairs.filter(([k]) => k === key);
      if (found.length > 1) fail(`the key '${key}' is given twice`);
      if (found.length === 0 && required) fail(`the key '${key}' is missing (codd requires host, user and dbname)`);
      return found[0]?.[1] ?? '';
    };
    fields = {
      host: get('host', true),
      port: get('port', false) || '5432',
      user: get('user', true),
      password: get('password', false),
      database: get('dbname', true),
    };
    if (!/^\d+$/.test(fields.port)) fail("the value of 'port' is not a number");
  }
  const passwordHash = fields.password ? createHash('sha256').update(fields.password).digest('hex').slice(0, 16) : '';
  const key = JSON.stringify([fields.host, fields.port, fields.user, fields.database, passwordHash]);
  const display = `postgres://${fields.user}${fields.password ? ':****' : ''}@${fields.host}:${fields.port}/${fields.database}`;
  return { database: fields.database, user: fields.user, key, display };
}

/** `key=value` pairs separated by spaces; values may be single-quoted; a backslash escapes a character. */
function keywordValues(value: string): [string, string][] | undefined {
  const pairs: [string, string][] = [];
  let i = 0;
  const skipSpaces = (): void => {
    while (i < value.length && /\s/.test(value.charAt(i))) i++;
  };
  skipSpaces();
  while (i < value.length) {
    const key = /^[A-Za-z_][A-Za-z0-9_]*/.exec(value.slice(i))?.[0];
    if (!key) return undefined;
    i += key.length;
    skipSpaces();
    if (value.charAt(i) !== '=') return undefined;
    i++;
    skipSpaces();
    let out = '';
    if (value.charAt(i) === "'") {
      i++;
      while (i < value.length && value.charAt(i) !== "'") {
        if (value.charAt(i) === '\\') i++;
        out += value.charAt(i);
        i++;
      }
      if (value.charAt(i) !== "'") return undefined;
      i++;
    } else {
      while (i < value.length && !/\s/.test(value.charAt(i))) {
        if (value.charAt(i) === '\\') i++;
        out += value.charAt(i);
        i++;
      }
    }
    pairs.push([key, out]);
    skipSpaces();
  }
  return pairs.length > 0 ? pairs : undefined;
}

// ---------------------------------------------------------------------------------------------
// Folder

