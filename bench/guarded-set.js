// A set of `count` migrations where every statement is guarded, so running every file again (a
// rerun-all boot runner) changes nothing: each file creates a table IF NOT EXISTS, an index IF NOT
// EXISTS and seeds a row ON CONFLICT DO NOTHING. Deterministic: the same count gives the same files.
// Used to measure how migtest scales with the number of files (and to keep it from recursing per file).
//
//   node bench/guarded-set.js <dir> <count> [rerun-all|golang-migrate]
//
// golang-migrate: files are `<version>_<name>.up.sql` with a `.down.sql` that drops the table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The files of the set, name → text, in order. */
export function guardedSet(count, format = 'rerun-all') {
  const files = {};
  const width = Math.max(4, String(count).length);
  for (let k = 1; k <= count; k++) {
    const v = String(k).padStart(width, '0');
    const t = `item_${v}`;
    const up = [
      `CREATE TABLE IF NOT EXISTS ${t} (id integer PRIMARY KEY, name text NOT NULL);`,
      `CREATE INDEX IF NOT EXISTS ${t}_name_idx ON ${t} (name);`,
      `INSERT INTO ${t} (id, name) VALUES (1, 'seed ${k}') ON CONFLICT DO NOTHING;`,
    ];
    files[`${v}_item_${v}.up.sql`] = `${up.join('\n')}\n`;
    if (format === 'golang-migrate') files[`${v}_item_${v}.down.sql`] = `DROP TABLE IF EXISTS ${t};\n`;
  }
  return files;
}

/** Writes the set into `dir` (created if missing) and returns `dir`. */
export function writeGuardedSet(dir, count, format = 'rerun-all') {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(guardedSet(count, format))) writeFileSync(join(dir, name), text);
  return dir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [dir, count, format] = process.argv.slice(2);
  if (!dir || !count) {
    console.error('usage: node bench/guarded-set.js <dir> <count> [rerun-all|golang-migrate]');
    process.exit(2);
  }
  writeGuardedSet(dir, Number(count), format ?? 'rerun-all');
}
