import path from 'node:path';
import { noMigrations, UniqueVersions } from '../../migrations/versions.js';
import { downScript, migrationFile, toScript } from '../../migrations/script.js';
import { fileNamed, fileNames, parsing, type Folder, type FolderFile, type Parsed } from '../../migrations/folder.js';
import { InputError, type Env, type Migration, type MigrationSet, type Script } from '../../migrations/types.js';

/** The name pattern cigogne's parser accepts, as its error message spells it. */
export const CIGOGNE_PATTERN = '<YYYYMMDDhhmmss>-<Name>.sql';

/**
 * Options a `migration:up` marker may carry. The reference names `disable_transaction` on the up
 * marker only; it is accepted on the down marker too, where it cannot change what `up` runs.
 */
const MARKER_OPTIONS: readonly string[] = ['disable_transaction'];

type MarkerKind = 'up' | 'down' | 'end';

interface Marker {
  kind: MarkerKind;
  /**
   * Whether cigogne finds it: its parser looks for the text `--- migration:<kind>` (three dashes,
   * one space), so `-- migration:up` (two dashes) or `---migration:up` is a plain comment to it.
   */
  exact: boolean;
  /** The marker's text on its line, from its first dash (for messages). */
  text: string;
  /** 1-based line of the marker in the file. */
  line: number;
  column: number;
  options: { text: string; column: number }[];
  /** Code-unit offset where the marker's line starts, and where the next line starts. */
  lineStart: number;
  nextLineStart: number;
}

/**
 * Loads a cigogne migration folder: every `*.sql` file directly in it, named
 * `<YYYYMMDDhhmmss>-<Name>.sql`, in timestamp order. The statements cigogne runs are those between
 * `--- migration:up` and `--- migration:down`; the rest of the file only counts for its sha256.
 */
export function parseCigogne(folder: Folder, _env: Env = {}): Parsed {
  return parsing(() => parseFolder(folder));
}

function parseFolder(folder: Folder): MigrationSet {
  const root = folder.dir;
  const names = fileNames(folder, `${CIGOGNE_PATTERN} files`).filter((name) => name.endsWith('.sql'));
  if (names.length === 0) {
    throw noMigrations(root, '*.sql files', `pass the folder that directly holds the migrations, named ${CIGOGNE_PATTERN} (cigogne reads priv/migrations/*.sql)`);
  }
  const versions = new UniqueVersions();
  const migrations: Migration[] = [];
  for (const name of names.sort()) {
    const source = fileNamed(folder, name);
    const file = source.path;
    const { stamp } = parseFileName(name, file);
    versions.claim(stamp, name, file, `give one of them a later timestamp (rename ${name}); the timestamp is the migration's version and must be unique`);
    migrations.push(parseMigration(source, name));
  }
  migrations.sort((a, b) => (a.orderKey < b.orderKey ? -1 : a.orderKey > b.orderKey ? 1 : 0));
  return { dir: root, format: 'cigogne', migrations };
}

/** What cigogne records for a migration in `_migrations.name`: the part of the file name after the timestamp. */
export function cigogneName(migration: Migration): string {
  return path.basename(migration.file, '.sql').slice(15);
}

/** `_migrations.createdAt` of a migration: its file name's timestamp, as a PostgreSQL timestamp literal. */
export function cigogneCreatedAt(migration: Migration): string {
  const s = migration.id;
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)} ${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}`;
}

/** Whether a migration runs outside a transaction (`--- migration:up disable_transaction`). */
export function disablesTransaction(migration: Migration): boolean {
  return migration.directives.disable_transaction === true;
}

function parseFileName(name: string, file: string): { stamp: string } {
  const match = /^(\d{14})-(.+)\.sql$/s.exec(name);
  if (!match) {
    throw new InputError(
      `"${name}" is not a cigogne migration name: cigogne expects ${CIGOGNE_PATTERN}, a 14-digit UTC timestamp, a dash and a name`,
      file,
      undefined,
      undefined,
      `rename the file, e.g. 20250301090000-CreateCustomers.sql (cigogne refuses every *.sql file in the folder that does not follow the pattern)`,
    );
  }
  const stamp = match[1]!;
  const problem = dateTimeProblem(stamp);
  if (problem) {
    throw new InputError(
      `"${name}": ${stamp} is not a real date-time (${problem}); cigogne expects ${CIGOGNE_PATTERN}`,
      file,
      undefined,
      undefined,
      'rename the file with the UTC date and time the migration was written, as YYYYMMDDhhmmss',
    );
  }
  return { stamp };
}

/** Why a YYYYMMDDhhmmss string is not a date-time on the calendar, or undefined if it is one. */
function dateTimeProblem(stamp: string): string | undefined {
  const [year, month, day, hour, minute, second] = [0, 4, 6, 8, 10, 12].map((at, i) =>
    Number(stamp.slice(at, i === 0 ? 4 : at + 2)),
  ) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) return `month ${String(month).padStart(2, '0')}`;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  if (day < 1 || day > days) return `day ${String(day).padStart(2, '0')} of a month with ${days} days`;
  if (hour > 23) return `hour ${hour}`;
  if (minute > 59) return `minute ${minute}`;
  if (second > 59) return `second ${second}`;
  return undefined;
}

function parseMigration(source: FolderFile, name: string): Migration {
  const file = source.path;
  const { text, checksum } = migrationFile(source);
  const markers = findMarkers(text, file);
  const { up, down, end } = orderedMarkers(markers, text, file);

  for (const marker of [up, down, end]) {
    const allowed: readonly string[] = marker.kind === 'end' ? [] : MARKER_OPTIONS;
    const unknown = marker.options.find((option) => !allowed.includes(option.text));
    if (unknown) {
      throw new InputError(
        `unknown option "${unknown.text}" on the migration:${marker.kind} marker`,
        file,
        marker.line,
        unknown.column,
        marker.kind === 'end'
          ? `the migration:end marker takes no option; remove "${unknown.text}"`
          : `the only option cigogne knows is "disable_transaction" (--- migration:${marker.kind} disable_transaction); remove "${unknown.text}"`,
      );
    }
  }

  const upScript = section(text, file, up, down);
  if (upScript.statements.length === 0) {
    throw new InputError(
      'the migration:up section has no statement',
      file,
      up.line,
      up.column,
      'write the statements of the migration between the migration:up and migration:down markers (cigogne refuses an empty up migration)',
    );
  }
  const downSection = section(text, file, down, end, true);
  if (downSection.statements.length === 0 && !downSection.invalid) {
    throw new InputError(
      'the migration:down section has no statement',
      file,
      down.line,
      down.column,
      'write the statements that undo the migration between the migration:down and migration:end markers (cigogne refuses an empty down migration)',
    );
  }

  const disableTransaction = up.options.some((o) => o.text === 'disable_transaction');
  if (disableTransaction && upScript.statements.length > 1) {
    const second = upScript.statements[1]!;
    throw new InputError(
      `a disable_transaction migration must be exactly one statement, and this one has ${upScript.statements.length}: ` +
        'cigogne runs it outside any transaction, so a failure after the first statement would leave it half applied and unrecorded',
      second.file,
      second.line,
      second.column,
      'move each further statement into a migration of its own (its own file with a later timestamp), or drop disable_transaction if every statement can run in a transaction',
    );
  }

  const stamp = name.slice(0, 14);
  return {
    id: stamp,
    name: name.slice(0, -'.sql'.length),
    orderKey: stamp,
    file,
    up: upScript,
    down: downSection,
    directives: {
      ...(disableTransaction ? { disable_transaction: true } : {}),
      ...(down.options.length > 0 ? { down_disable_transaction: true } : {}),
    },
    checksum,
  };
}

/**
 * The marker lines of a file: `--- migration:up|down|end`, and lines written like one that
 * cigogne does not take for one (`-- migration:up`, `---migration:up`): `exact` tells them apart.
 */
function findMarkers(text: string, file: string): Marker[] {
  const markers: Marker[] = [];
  let lineStart = 0;
  for (let line = 1; lineStart <= text.length; line++) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const nextLineStart = newline === -1 ? text.length + 1 : newline + 1;
    const content = text.slice(lineStart, lineEnd).replace(/\r$/, '');
    const match = /^(\s*)(-{2,})([ \t]*)migration:(\S+)(.*)$/.exec(content);
    if (match) {
      const kind = match[4]!;
      const column = match[1]!.length + 1;
      // cigogne's guard is a substring: four dashes hold three, one space is the only spacing.
      const exact = match[2]!.length >= 3 && match[3] === ' ';
      if (exact && kind !== 'up' && kind !== 'down' && kind !== 'end') {
        throw new InputError(
          `unknown marker "migration:${kind}"`,
          file,
          line,
          column,
          'cigogne knows three markers, one line each: "--- migration:up" (optionally "disable_transaction"), "--- migration:down" and "--- migration:end"',
        );
      }
      if (kind === 'up' || kind === 'down' || kind === 'end') {
        const rest = match[5]!;
        const restColumn = content.length - rest.length + 1;
        const options: Marker['options'] = [];
        for (const option of rest.matchAll(/\S+/g)) options.push({ text: option[0], column: restColumn + option.index });
        const written = content.slice(column - 1).trimEnd();
        markers.push({ kind, exact, text: written, line, column, options, lineStart, nextLineStart: Math.min(nextLineStart, text.length) });
      }
    }
    lineStart = nextLineStart;
  }
  return markers;
}

/** What cigogne calls the error of a file without a guard (parser_formatter.gleam's ParserError). */
const GUARD_ERROR: Record<MarkerKind, string> = { up: 'MissingUpGuard', down: 'MissingDownGuard', end: 'MissingEndGuard' };

/** The first line written like a `kind` marker that cigogne does not find, when the file has no exact one. */
function missedMarker(markers: Marker[], kind: MarkerKind): Marker | undefined {
  if (markers.some((m) => m.exact && m.kind === kind)) return undefined;
  return markers.find((m) => !m.exact && m.kind === kind);
}

/** Why cigogne does not see `marker` (two dashes, or other spacing), in words. */
function howWritten(marker: Marker): string {
  const dashes = /^-+/.exec(marker.text)![0].length;
  if (dashes === 2) return 'has two dashes';
  const spacing = /^-+([ \t]*)/.exec(marker.text)![1]!;
  return spacing === '' ? 'has no space between the dashes and "migration:"' : 'has other spacing than one space between the dashes and "migration:"';
}

export const MISSED_MARKER = /^"[^"]*" is not cigogne's migration:(up|down|end) marker/;

function missedMarkerError(marker: Marker, file: string): InputError {
  const exact = `--- migration:${marker.kind}`;
  return new InputError(
    `"${marker.text}" is not cigogne's migration:${marker.kind} marker: it ${howWritten(marker)}, and cigogne looks for the text "${exact}" ` +
      `(three dashes, one space): it finds none in the file and refuses it (${GUARD_ERROR[marker.kind]}), so no migration of the set runs`,
    file,
    marker.line,
    marker.column,
    `write the marker as cigogne reads it: "${exact}${marker.options.map((o) => ` ${o.text}`).join('')}", and the others the same way (${(['up', 'down', 'end'] as const)
      .filter((k) => k !== marker.kind)
      .map((k) => `"--- migration:${k}"`)
      .join(', ')})`,
  );
}

/**
 * The file's text with each marker cigogne would miss written as it reads it (line numbers kept):
 * what lint parses to go on and judge the rest of the file.
 */
export function withExactMarkers(text: string): { text: string; missed: { line: number; column: number; kind: MarkerKind; text: string }[] } {
  let markers: Marker[];
  try {
    markers = findMarkers(text, '');
  } catch {
    return { text, missed: [] };
  }
  const missed = (['up', 'down', 'end'] as const).flatMap((kind) => {
    const m = missedMarker(markers, kind);
    return m ? [m] : [];
  });
  const lines = text.split('\n');
  for (const m of missed) {
    const line = lines[m.line - 1]!;
    lines[m.line - 1] = line.replace(/^(\s*)-{2,}[ \t]*migration:/, '$1--- migration:');
  }
  return { text: lines.join('\n'), missed: missed.map((m) => ({ line: m.line, column: m.column, kind: m.kind, text: m.text })) };
}

function orderedMarkers(markers: Marker[], text: string, file: string): { up: Marker; down: Marker; end: Marker } {
  const expected: MarkerKind[] = ['up', 'down', 'end'];
  for (const kind of expected) {
    const missed = missedMarker(markers, kind);
    if (missed) throw missedMarkerError(missed, file);
  }
  const found: Partial<Record<MarkerKind, Marker>> = {};
  for (const marker of markers.filter((m) => m.exact)) {
    const previous = found[marker.kind];
    if (previous) {
      throw new InputError(
        `a second migration:${marker.kind} marker (the first is on line ${previous.line})`,
        file,
        marker.line,
        marker.column,
        'a cigogne file holds one migration: one migration:up, one migration:down and one migration:end marker; put another migration in a file of its own',
      );
    }
    const missing = expected.slice(0, expected.indexOf(marker.kind)).find((kind) => !found[kind]);
    if (missing) {
      throw new InputError(
        `the migration:${marker.kind} marker comes before any migration:${missing} marker`,
        file,
        marker.line,
        marker.column,
        'order the markers as cigogne expects: --- migration:up, the statements, --- migration:down, the statements that undo them, --- migration:end',
      );
    }
    found[marker.kind] = marker;
  }
  const { up, down, end } = found;
  if (!up) {
    throw new InputError(
      'no "--- migration:up" marker: cigogne runs only the statements that follow it',
      file,
      firstContentLine(text),
      1,
      'start the migration with a line "--- migration:up", then the statements, "--- migration:down", the statements that undo them, and "--- migration:end"',
    );
  }
  if (!down) {
    throw new InputError(
      `no "--- migration:down" marker after the migration:up marker of line ${up.line}`,
      file,
      up.line,
      up.column,
      'end the up statements with a line "--- migration:down", followed by the statements that undo them and "--- migration:end" (cigogne refuses a file without them)',
    );
  }
  if (!end) {
    throw new InputError(
      `no "--- migration:end" marker after the migration:down marker of line ${down.line}`,
      file,
      down.line,
      down.column,
      'end the down statements with a line "--- migration:end" (cigogne refuses a file without it)',
    );
  }
  return { up, down, end };
}

// Where an up marker is missing, point at the first line that holds anything: where it belongs.
function firstContentLine(text: string): number {
  const lines = text.split('\n');
  const index = lines.findIndex((line) => line.trim() !== '');
  return index === -1 ? 1 : index + 1;
}

/** The text between two markers, as a script placed where it sits in the file. */
function section(text: string, file: string, from: Marker, to: Marker, lenient = false): Script {
  const body = text.slice(from.nextLineStart, to.lineStart);
  if (lenient) return downScript(body, file, from.line + 1, 1, forCigogne);
  try {
    return toScript(body, file, from.line + 1, 1);
  } catch (error) {
    throw error instanceof InputError ? forCigogne(error) : error;
  }
}

/**
 * A psql meta-command fails in cigogne for a reason of its own: each statement reaches the server
 * through the prepared-statement protocol. ON_ERROR_STOP, the usual one, also means nothing here.
 */
function forCigogne(error: InputError): InputError {
  const command = /^"(\\[^"]*)" is a psql meta-command/.exec(error.message)?.[1];
  if (command === undefined) return error;
  const why =
    `"${command}" is a psql meta-command, not SQL: cigogne sends each statement to the server ` +
    'through the prepared-statement protocol, and the server does not know psql commands ' +
    '(it would fail with a syntax error at or near "\\")';
  const onErrorStop = /^\\set\s+ON_ERROR_STOP\b/i.test(command);
  const message = onErrorStop
    ? `${why}; ON_ERROR_STOP has no meaning here anyway: cigogne stops at the first error, and the whole pending batch (every pending transactional migration, in one transaction) rolls back`
    : why;
  const fix = onErrorStop
    ? 'remove the line: no setting lets cigogne go on past an error; make the statement that might fail safe to run (IF NOT EXISTS, ON CONFLICT DO NOTHING) instead'
    : 'remove the line and write the SQL it stood for into the migration itself';
  return new InputError(message, error.file, error.line, error.column, fix);
}

