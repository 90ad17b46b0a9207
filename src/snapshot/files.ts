import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InputError } from '../migrations/types.js';
import { sortKeys } from './canonical.js';
import type { SnapshotObject } from './types.js';

/**
 * Expected-schema files: one file per snapshot object, under `<folder>/pg<major>/<kind>/<name>.json`,
 * so that a review sees which objects a change touched and a merge conflict stays on one object.
 *
 * A file name must be the same on every file system a repository is checked out on, and must give
 * the object path back. So a name keeps the characters that are safe everywhere (ASCII letters,
 * digits and `._-()+,=@[] `: enough for `function:public.f(x integer, y text[])`), and writes every other one as `%XX` (the UTF-8 bytes):
 * `/` and `\` (separators), `:` and `<>"|?*` (Windows), control characters, non-ASCII (macOS
 * stores names decomposed, so `é` would not read back as written), `%` itself. Upper-case letters
 * become `^` + the letter: `Users` and `users` are two tables in PostgreSQL but one file on a
 * case-insensitive file system (macOS, Windows). A name that would be too long for a file system
 * (more than NAME_LIMIT bytes) is cut and ends with a hash of the whole path; every file also holds
 * its object path, which is what a reader takes.
 */

/** The file that marks a folder as written by `migtest snapshot`, beside the kind folders. */
export const MARKER = 'migtest-snapshot.json';

/** Version of this layout, written into the marker. */
export const LAYOUT = 1;

// 255 bytes is the limit of ext4, APFS, NTFS; room is left for `.json` and for tools that add a suffix.
const NAME_LIMIT = 200;

// `~` is not here: it marks a cut name.
const SAFE = /[A-Za-z0-9._\-()+,=@[\] ]/;

// Windows refuses these as a name's first part (`con.json`, `nul.txt`), whatever the case.
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

function percent(char: string): string {
  return [...Buffer.from(char, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/** One part of a file path (a kind or a name), safe on every file system; see the module comment. */
export function escapeSegment(text: string): string {
  let out = '';
  for (const char of text) {
    if (char >= 'A' && char <= 'Z') out += `^${char}`;
    else if (SAFE.test(char) && char !== '^') out += char;
    else out += percent(char);
  }
  // Windows drops a trailing dot or space; a leading one is hidden or awkward elsewhere.
  out = out.replace(/^[. ]/, (c) => percent(c)).replace(/[. ]$/, (c) => percent(c));
  const stem = out.split('.')[0]!;
  if (RESERVED.test(stem.replaceAll('^', ''))) out = percent(out[0] === '^' ? out[1]! : out[0]!) + out.slice(out[0] === '^' ? 2 : 1);
  return out === '' ? '%' : out;
}

/** The text an escaped part stands for; throws on text escapeSegment cannot have written. */
export function unescapeSegment(segment: string): string {
  if (segment === '%') return '';
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i]!;
    if (char === '%') {
      const hex = segment.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) throw new Error(`bad escape in '${segment}'`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (char === '^') {
      const letter = segment[i + 1] ?? '';
      if (!/^[A-Z]$/.test(letter)) throw new Error(`bad escape in '${segment}'`);
      bytes.push(letter.charCodeAt(0));
      i += 1;
    } else {
      bytes.push(...Buffer.from(char, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The file of an object path, relative to a major's folder, with `/` between kind and name:
 * `column:public.users.email` → `column/public.users.email.json`.
 */
export function objectFile(path: string): string {
  const colon = path.indexOf(':');
  if (colon <= 0) throw new Error(`snapshot object path without a kind: '${path}'`);
  const kind = escapeSegment(path.slice(0, colon));
  let name = escapeSegment(path.slice(colon + 1));
  if (Buffer.byteLength(name) > NAME_LIMIT) {
    const hash = createHash('sha256').update(path).digest('hex').slice(0, 16);
    // The longest start of the name that fits, cut between characters, so it stays readable.
    // Binary search: the escaped length grows with the number of characters kept.
    const chars = [...path.slice(colon + 1)];
    const fits = (n: number): boolean => Buffer.byteLength(escapeSegment(chars.slice(0, n).join(''))) <= NAME_LIMIT - hash.length - 1;
    let low = 0;
    let high = chars.length;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (fits(middle)) low = middle;
      else high = middle - 1;
    }
    name = `${low === 0 ? '' : escapeSegment(chars.slice(0, low).join(''))}~${hash}`;
  }
  return `${kind}/${name}.json`;
}

/** The object path a file name stands for, or undefined for a cut (hashed) name or a name migtest does not write. */
export function objectPathOf(file: string): string | undefined {
  const match = /^([^/]+)\/([^/]+)\.json$/.exec(file);
  if (!match || match[2]!.includes('~')) return undefined;
  try {
    return `${unescapeSegment(match[1]!)}:${unescapeSegment(match[2]!)}`;
  } catch {
    return undefined;
  }
}

/** A file's text: the object and its path, keys sorted, two-space indented, one final newline. */
export function objectText(path: string, object: SnapshotObject): string {
  return `${JSON.stringify(sortKeys({ ...object, path }), null, 2)}\n`;
}

/** What a major's folder holds besides the objects: the same for the same state. */
export interface Marker {
  tool: 'migtest';
  layout: number;
  /** PostgreSQL major version; the minor (server_version) is not written, so an upgrade changes no file. */
  postgres: number;
  /** The snapshot format the objects were read with. */
  format: number;
}

export function majorFolder(folder: string, major: number): string {
  return join(folder, `pg${major}`);
}

export interface WriteResult {
  folder: string;
  objects: number;
  written: number;
  removed: number;
  unchanged: number;
}

/**
 * Refuses (bad input, exit 2) to write into a major's folder that exists but was not written by
 * `migtest snapshot`: writing removes the files of objects that are gone, and only migtest's may go.
 */
export function assertWritable(folder: string, major: number): void {
  if (existsSync(folder) && !statSync(folder).isDirectory()) {
    throw new InputError(`${folder} is not a folder`, undefined, undefined, undefined, 'pass another --out folder');
  }
  const dir = majorFolder(folder, major);
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) {
    throw new InputError(`${dir} is not a folder`, undefined, undefined, undefined, 'pass another --out folder');
  }
  if (readdirSync(dir).length === 0) return;
  const marker = readMarker(dir);
  if (!marker) {
    throw new InputError(
      `${dir} exists and is not a migtest snapshot folder (it has no ${MARKER}); migtest removes stale files there and will not touch files it did not write`,
      undefined,
      undefined,
      undefined,
      'pass another --out folder, or empty or remove this one',
    );
  }
}

function readMarker(dir: string): Marker | undefined {
  const file = join(dir, MARKER);
  if (!existsSync(file)) return undefined;
  try {
    const marker = JSON.parse(readFileSync(file, 'utf8')) as Partial<Marker>;
    return marker.tool === 'migtest' && typeof marker.postgres === 'number' ? (marker as Marker) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes one file per object into `<folder>/pg<major>/`, and removes the files of objects that are
 * no longer there. A file whose text is already right is not written again.
 */
export function writeObjects(
  folder: string,
  major: number,
  objects: Record<string, SnapshotObject>,
  format: number,
): WriteResult {
  assertWritable(folder, major);
  const dir = majorFolder(folder, major);
  mkdirSync(dir, { recursive: true });
  const wanted = new Map<string, string>();
  for (const [path, object] of Object.entries(objects)) {
    const file = objectFile(path);
    if (wanted.has(file)) throw new Error(`snapshot files: two objects map to ${file}`);
    wanted.set(file, objectText(path, object));
  }
  const marker: Marker = { tool: 'migtest', layout: LAYOUT, postgres: major, format };
  wanted.set(MARKER, `${JSON.stringify(sortKeys(marker), null, 2)}\n`);
  const result: WriteResult = { folder: dir, objects: Object.keys(objects).length, written: 0, removed: 0, unchanged: 0 };
  for (const file of objectFiles(dir)) {
    if (!wanted.has(file)) {
      rmSync(join(dir, file));
      result.removed++;
    }
  }
  for (const [file, text] of wanted) {
    const target = join(dir, file);
    if (existsSync(target) && readFileSync(target, 'utf8') === text) {
      if (file !== MARKER) result.unchanged++;
      continue;
    }
    mkdirSync(join(target, '..'), { recursive: true });
    writeFileSync(target, text);
    if (file !== MARKER) result.written++;
  }
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && readdirSync(join(dir, entry.name)).length === 0) rmdirSync(join(dir, entry.name));
  }
  return result;
}

/** The files of the layout (`<kind>/<name>.json`) in a major's folder, relative, with `/`. */
function objectFiles(dir: string): string[] {
  const files: string[] = [];
  for (const kind of readdirSync(dir, { withFileTypes: true })) {
    if (!kind.isDirectory()) continue;
    for (const entry of readdirSync(join(dir, kind.name), { withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.json')) files.push(`${kind.name}/${entry.name}`);
    }
  }
  return files.sort();
}

export interface ExpectedObjects {
  folder: string;
  objects: Record<string, SnapshotObject>;
  /** Where each object's file is, by object path. */
  files: Record<string, string>;
  marker: Marker | undefined;
}

/**
 * Reads the objects of `<folder>/pg<major>/`; undefined when that folder does not exist. A file
 * that is not valid JSON, has no path, or whose name does not match its path is bad input.
 */
export function readObjects(folder: string, major: number): ExpectedObjects | undefined {
  const dir = majorFolder(folder, major);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
  const objects: Record<string, SnapshotObject> = {};
  const files: Record<string, string> = {};
  for (const file of objectFiles(dir)) {
    const full = join(dir, file);
    const text = readFileSync(full, 'utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new InputError(`not valid JSON: ${(error as Error).message}`, full, 1, 1, 'fix the file, or write the folder again with migtest snapshot');
    }
    const { path, ...object } = (parsed ?? {}) as { path?: unknown; kind?: unknown };
    if (typeof path !== 'string' || typeof object.kind !== 'string') {
      throw new InputError('an expected-schema file needs a "path" and a "kind"', full, 1, 1, 'write the folder again with migtest snapshot');
    }
    if (path.indexOf(':') <= 0) {
      throw new InputError(`the path '${path}' has no kind (it reads <kind>:<name>)`, full, 1, 1, 'write the folder again with migtest snapshot');
    }
    if (objectFile(path) !== file) {
      throw new InputError(
        `the file of object ${path} should be ${objectFile(path)}, not ${relative(dir, full)}`,
        full,
        1,
        1,
        'rename it, or write the folder again with migtest snapshot',
      );
    }
    objects[path] = object as SnapshotObject;
    files[path] = full;
  }
  return { folder: dir, objects, files, marker: readMarker(dir) };
}
