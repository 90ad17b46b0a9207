// A golang-migrate set of `count` migrations as a service grows one: each creates a table with a
// serial key, a timestamp default and an index, seeds rows, and every fifth adds a column and an
// index to an earlier table; every .down.sql undoes its up exactly.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeDownSet(dir, count = 45, rows = 50) {
  mkdirSync(dir, { recursive: true });
  for (let k = 1; k <= count; k++) {
    const v = String(k).padStart(6, '0');
    const t = `item_${k}`;
    const up = [
      `CREATE TABLE ${t} (id serial PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());`,
      `CREATE INDEX ${t}_name_idx ON ${t} (name);`,
      `INSERT INTO ${t} (name) SELECT 'row ' || g FROM generate_series(1, ${rows}) g;`,
    ];
    const down = [`DROP TABLE ${t};`];
    if (k % 5 === 0) {
      const earlier = `item_${k - 3}`;
      up.push(`ALTER TABLE ${earlier} ADD COLUMN note_${k} text;`, `CREATE INDEX ${earlier}_note_${k}_idx ON ${earlier} (note_${k});`);
      down.unshift(`DROP INDEX ${earlier}_note_${k}_idx;`, `ALTER TABLE ${earlier} DROP COLUMN note_${k};`);
    }
    writeFileSync(join(dir, `${v}_step_${k}.up.sql`), `${up.join('\n')}\n`);
    writeFileSync(join(dir, `${v}_step_${k}.down.sql`), `${down.join('\n')}\n`);
  }
  return dir;
}
