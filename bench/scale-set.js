// A realistic migration set of any size, deterministic for a seed, for the scale bench (issue 19):
// a service's history of tables with serial and identity keys and foreign keys to earlier tables,
// plain, unique and partial indexes, constraints added later behind guards, seeds, added columns
// with their backfill, plpgsql functions and triggers, views, and now and then a file of one
// `CREATE INDEX CONCURRENTLY` (a no-txn file).
//
// One folder serves two runner models: the names are golang-migrate's (`000001_name.up.sql` and
// `.down.sql`, every down undoing its up exactly, for check `down`), and every up statement is
// guarded (`IF NOT EXISTS`, `ON CONFLICT DO NOTHING`, `WHERE … IS NULL`, a DO block over
// pg_constraint), so that rerun-all, which runs every `*.up.sql` at every boot and ignores the
// downs, may run the whole set again. A file of one statement is autocommitted under both models,
// which is what `CREATE INDEX CONCURRENTLY` needs; no file holds it beside another statement.
//
// Everything here is pure (planScaleSet returns the files' names and texts); writeScaleSet puts
// them in a folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seeded as random } from './seeded.js';


const NOUNS = ['account', 'tenant', 'project', 'invoice', 'order', 'customer', 'device', 'certificate', 'webhook', 'plan', 'team', 'ticket', 'payment', 'shipment', 'region', 'secret', 'report', 'session', 'tag', 'job'];

/**
 * What one migration does, in the order they repeat: every kind comes within the first 16, so the
 * smallest set (25) holds all of them, and a longer set is a longer history of the same kinds.
 */
const CYCLE = ['table', 'table', 'seed', 'index', 'table', 'backfill', 'constraint', 'table', 'trigger', 'view', 'concurrently', 'seed', 'table', 'function', 'foreign-key', 'partial-index'];

/**
 * The migrations of a set of `count` files (each an up and a down), pure: `[{ version, name, up, down }]`.
 * `concurrently: false` makes the no-txn files plain `CREATE INDEX IF NOT EXISTS` (for check
 * `concurrent`, see bench/README.md), leaving every other file as it is.
 */
export function planScaleSet(count, seed = 1, { concurrently: withConcurrently = true } = {}) {
  if (!Number.isInteger(count) || count < 1) throw new Error(`a scale set needs a positive whole number of migrations, not ${count}`);
  const rand = random(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  /** Tables made so far: name, key type, columns added after, what has been done to them. */
  const tables = [];
  const migrations = [];
  for (let k = 1; k <= count; k++) {
    // The first migration always makes a table: every other kind needs one.
    const kind = k === 1 ? 'table' : CYCLE[(k - 1) % CYCLE.length];
    const step = make(kind === 'concurrently' && !withConcurrently ? 'index' : kind, k, tables, rand, pick);
    migrations.push({ version: k, name: `${String(k).padStart(6, '0')}_${step.name}`, up: `${step.up.join('\n')}\n`, down: `${step.down.join('\n')}\n` });
  }
  return migrations;
}

/** The file names and texts of the set: `[{ file, text }]`, ups and downs, in version order. */
export function scaleSetFiles(count, seed = 1, options = {}) {
  return planScaleSet(count, seed, options).flatMap((m) => [
    { file: `${m.name}.up.sql`, text: m.up },
    { file: `${m.name}.down.sql`, text: m.down },
  ]);
}

/** Writes the set into `dir` (made if missing) and returns `dir`. */
export function writeScaleSet(dir, count, seed = 1, options = {}) {
  mkdirSync(dir, { recursive: true });
  for (const { file, text } of scaleSetFiles(count, seed, options)) writeFileSync(join(dir, file), text);
  return dir;
}

function make(kind, k, tables, rand, pick) {
  switch (kind) {
    case 'table': return createTable(k, tables, rand, pick);
    case 'seed': return seed(k, pick(tables), tables);
    case 'index': return plainIndex(k, pick(tables));
    case 'backfill': return backfill(k, pick(tables));
    case 'constraint': return checkConstraint(k, pick(tables));
    case 'trigger': return trigger(k, pick(tables.filter((t) => !t.touched)) ?? createTable(k, tables, rand, pick));
    case 'view': return view(k, pick(tables));
    case 'concurrently': return concurrently(k, pick(tables));
    case 'function': return countFunction(k, pick(tables));
    case 'foreign-key': return tables.length > 1 ? foreignKey(k, tables, pick) : createTable(k, tables, rand, pick);
    case 'partial-index': return partialIndex(k, pick(tables));
    default: throw new Error(`unknown kind ${kind}`);
  }
}

/** A table with a serial or identity key, a unique code, a status, a timestamp, maybe a parent. */
function createTable(k, tables, rand, pick) {
  const name = `${NOUNS[(k - 1) % NOUNS.length]}_${k}`;
  const identity = rand() < 0.5;
  const parent = tables.length > 0 ? pick(tables) : undefined;
  const table = { name, keyType: identity ? 'bigint' : 'integer', seeds: [], backfilled: [], touched: false };
  const columns = [
    identity ? 'id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY' : 'id serial PRIMARY KEY',
    'code text NOT NULL UNIQUE',
    'name text NOT NULL',
    ...(parent ? [`${parent.name}_id ${parent.keyType} REFERENCES ${parent.name} (id)`] : []),
    "status text NOT NULL DEFAULT 'active'",
    'created_at timestamptz NOT NULL DEFAULT now()',
  ];
  table.parent = parent;
  tables.push(table);
  const up = [`CREATE TABLE IF NOT EXISTS ${name} (\n  ${columns.join(',\n  ')}\n);`];
  if (parent) up.push(`CREATE INDEX IF NOT EXISTS ${name}_${parent.name}_id_idx ON ${name} (${parent.name}_id);`);
  return { name: `create_${name}`, up, down: [`DROP TABLE ${name};`] };
}

/**
 * Seed rows by their natural key; a child table's rows point at a seeded parent row when there is
 * one. The columns a backfill added get a value, as the application gives them: a row left empty
 * there would be filled by the backfill's next run.
 */
function seed(k, table) {
  const codes = [1, 2, 3].map((i) => `${table.name}-${k}-${i}`);
  const parentSeed = table.parent?.seeds[0];
  const extra = table.backfilled.map((c) => `, ${c}`).join('');
  const values = (code) => table.backfilled.map(() => `, '${code}'`).join('');
  const up = parentSeed
    ? codes.map((code) => `INSERT INTO ${table.name} (code, name, ${table.parent.name}_id${extra})\n  SELECT '${code}', 'Seeded ${code}', id${values(code)} FROM ${table.parent.name} WHERE code = '${parentSeed}'\n  ON CONFLICT (code) DO NOTHING;`)
    : [`INSERT INTO ${table.name} (code, name${extra}) VALUES\n  ${codes.map((c) => `('${c}', 'Seeded ${c}'${values(c)})`).join(',\n  ')}\nON CONFLICT (code) DO NOTHING;`];
  table.seeds.push(...codes);
  return { name: `seed_${table.name}`, up, down: [`DELETE FROM ${table.name} WHERE code IN (${codes.map((c) => `'${c}'`).join(', ')});`] };
}

function plainIndex(k, table) {
  const index = `${table.name}_created_at_${k}_idx`;
  return { name: `index_${table.name}_created_at`, up: [`CREATE INDEX IF NOT EXISTS ${index} ON ${table.name} (created_at);`], down: [`DROP INDEX ${index};`] };
}

/** A unique index over a subset: `code` is unique already, so any rows satisfy it. */
function partialIndex(k, table) {
  const index = `${table.name}_active_code_${k}_key`;
  return {
    name: `index_${table.name}_active_code`,
    up: [`CREATE UNIQUE INDEX IF NOT EXISTS ${index} ON ${table.name} (code) WHERE status = 'active';`],
    down: [`DROP INDEX ${index};`],
  };
}

/**
 * A new column, filled from the old ones where it is still empty. It stays nullable: under
 * rerun-all an earlier seed runs again after it, and PostgreSQL checks NOT NULL before ON CONFLICT.
 */
function backfill(k, table) {
  const column = `slug_${k}`;
  table.backfilled.push(column);
  return {
    name: `add_${table.name}_${column}`,
    up: [
      `ALTER TABLE ${table.name} ADD COLUMN IF NOT EXISTS ${column} text;`,
      `UPDATE ${table.name} SET ${column} = lower(code) || '-' || id WHERE ${column} IS NULL;`,
    ],
    down: [`ALTER TABLE ${table.name} DROP COLUMN ${column};`],
  };
}

/** A guarded DO block: ADD CONSTRAINT has no IF NOT EXISTS. */
function guarded(table, constraint, definition) {
  return [
    'DO $$',
    'BEGIN',
    `  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '${constraint}' AND conrelid = '${table}'::regclass) THEN`,
    `    ALTER TABLE ${table} ADD CONSTRAINT ${constraint} ${definition};`,
    '  END IF;',
    'END',
    '$$;',
  ].join('\n');
}

/**
 * A CHECK on a column added with it, whose default satisfies it: a CHECK on an older column would
 * be violated by rows the application wrote before it (check populated finds exactly that, and,
 * with NOT VALID, the next UPDATE of such a row fails).
 */
function checkConstraint(k, table) {
  const column = `priority_${k}`;
  const constraint = `${table.name}_${column}_check`;
  return {
    name: `add_${table.name}_${column}`,
    up: [
      `ALTER TABLE ${table.name} ADD COLUMN IF NOT EXISTS ${column} integer NOT NULL DEFAULT 0;`,
      guarded(table.name, constraint, `CHECK (${column} BETWEEN 0 AND 100)`),
    ],
    down: [`ALTER TABLE ${table.name} DROP CONSTRAINT ${constraint};`, `ALTER TABLE ${table.name} DROP COLUMN ${column};`],
  };
}

/** A nullable reference to an earlier table, added with its constraint and index. */
function foreignKey(k, tables, pick) {
  const table = tables[tables.length - 1];
  const target = pick(tables.slice(0, -1));
  const column = `${target.name}_ref_${k}`;
  const constraint = `${table.name}_${column}_fkey`;
  return {
    name: `link_${table.name}_${target.name}`,
    up: [
      `ALTER TABLE ${table.name} ADD COLUMN IF NOT EXISTS ${column} ${target.keyType};`,
      guarded(table.name, constraint, `FOREIGN KEY (${column}) REFERENCES ${target.name} (id) ON DELETE SET NULL`),
      `CREATE INDEX IF NOT EXISTS ${table.name}_${column}_idx ON ${table.name} (${column});`,
    ],
    down: [`DROP INDEX ${table.name}_${column}_idx;`, `ALTER TABLE ${table.name} DROP CONSTRAINT ${constraint};`, `ALTER TABLE ${table.name} DROP COLUMN ${column};`],
  };
}

/** An updated_at column kept by a plpgsql trigger function. */
function trigger(k, table) {
  table.touched = true;
  const fn = `${table.name}_touch`;
  return {
    name: `touch_${table.name}`,
    up: [
      `ALTER TABLE ${table.name} ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();`,
      `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND\n$$;`,
      `DROP TRIGGER IF EXISTS ${fn} ON ${table.name};`,
      `CREATE TRIGGER ${fn} BEFORE UPDATE ON ${table.name} FOR EACH ROW EXECUTE FUNCTION ${fn}();`,
    ],
    down: [`DROP TRIGGER ${fn} ON ${table.name};`, `DROP FUNCTION ${fn}();`, `ALTER TABLE ${table.name} DROP COLUMN updated_at;`],
  };
}

/** A view over the columns every table has: it never needs redefining, so a rerun leaves it be. */
function view(k, table) {
  const name = `${table.name}_active_${k}`;
  return {
    name: `view_${name}`,
    up: [`CREATE OR REPLACE VIEW ${name} AS\n  SELECT id, code, name, created_at FROM ${table.name} WHERE status = 'active';`],
    down: [`DROP VIEW ${name};`],
  };
}

function countFunction(k, table) {
  const fn = `${table.name}_count_${k}`;
  return {
    name: `function_${fn}`,
    up: [`CREATE OR REPLACE FUNCTION ${fn}(wanted text) RETURNS bigint LANGUAGE plpgsql STABLE AS $$\nDECLARE\n  n bigint;\nBEGIN\n  SELECT count(*) INTO n FROM ${table.name} WHERE status = wanted;\n  RETURN n;\nEND\n$$;`],
    down: [`DROP FUNCTION ${fn}(text);`],
  };
}

/** The no-txn file: alone in its file, so no runner wraps it in a transaction. */
function concurrently(k, table) {
  const index = `${table.name}_name_${k}_idx`;
  return {
    name: `index_${table.name}_name_concurrently`,
    up: [`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${index} ON ${table.name} (name);`],
    down: [`DROP INDEX CONCURRENTLY IF EXISTS ${index};`],
  };
}
