import { createHash } from 'node:crypto';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSet } from '../../src/migrations/load.js';
import { InputError } from '../../src/migrations/types.js';
import { cutThrough, golangMigrate, naiveSplit, naiveSplitBrokeDollarQuote, naiveStatements, openAtEnd } from '../../src/runners/golang-migrate/model.js';
import { rejection, tempFolder } from '../helpers/folders.js';
import type { Env, MigrationSet } from '../../src/migrations/types.js';

const loadGolangMigrate = (dir: string, env: Env = {}): Promise<MigrationSet> => loadSet(dir, 'golang-migrate', env);

let dir: string;
const { write } = tempFolder('migtest-golang-migrate-', (created) => (dir = created));

function thrown(f: () => unknown): InputError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('loadGolangMigrate', () => {
  it('orders versions by number, not by name, and pairs up and down files', async () => {
    await write({
      '10_add_invoices.up.sql': '-- ten\nCREATE TABLE invoices (id int);\n',
      '10_add_invoices.down.sql': 'DROP TABLE invoices;\n',
      '9_add_customers.up.sql': 'CREATE TABLE customers (id int);',
      '0002_seed.up.sql': "INSERT INTO t VALUES (1);\n\n  UPDATE t SET a = 'x;y';",
      'README.md': '# not a migration',
      'notes/11_ignored.up.sql': 'SELECT 1;',
    });
    const set = await loadGolangMigrate(dir);
    expect(set.format).toBe('golang-migrate');
    expect(set.dir).toBe(dir);
    expect(set.migrations.map((m) => [m.id, m.name, m.orderKey])).toEqual([
      ['2', '0002_seed', '00000000000000000002'],
      ['9', '9_add_customers', '00000000000000000009'],
      ['10', '10_add_invoices', '00000000000000000010'],
    ]);
    const [seed, customers, invoices] = set.migrations;
    expect(invoices!.file).toBe(path.join(dir, '10_add_invoices.up.sql'));
    expect(invoices!.up.statements.map((s) => [s.sql, s.line, s.column])).toEqual([['CREATE TABLE invoices (id int)', 2, 1]]);
    expect(invoices!.down?.file).toBe(path.join(dir, '10_add_invoices.down.sql'));
    expect(invoices!.down?.statements.map((s) => s.sql)).toEqual(['DROP TABLE invoices']);
    expect(customers!.down).toBeUndefined();
    expect(seed!.up.text).toBe("INSERT INTO t VALUES (1);\n\n  UPDATE t SET a = 'x;y';");
    expect(seed!.up.statements.map((s) => [s.kind, s.line, s.column])).toEqual([
      ['InsertStmt', 1, 1],
      ['UpdateStmt', 3, 3],
    ]);
    expect(seed!.checksum).toBe(createHash('sha256').update("INSERT INTO t VALUES (1);\n\n  UPDATE t SET a = 'x;y';").digest('hex'));
    expect(seed!.directives).toEqual({});
  });

  it('is what loadSet gives for the golang-migrate format', async () => {
    await write({ '1_a.up.sql': 'SELECT 1;' });
    expect((await loadSet(dir, 'golang-migrate')).migrations.map((m) => m.id)).toEqual(['1']);
  });

  it('keeps a version that has only a down file, with an empty up script, as golang-migrate moves the version over it', async () => {
    await write({ '1_a.up.sql': 'SELECT 1;', '2_gone.down.sql': 'SELECT 2;', '3_c.up.sql': 'SELECT 3;' });
    const set = await loadGolangMigrate(dir);
    const gone = set.migrations[1]!;
    expect(gone).toMatchObject({ id: '2', name: '2_gone', file: path.join(dir, '2_gone.down.sql'), directives: { 'up-file': false } });
    expect(gone.up).toMatchObject({ text: '', statements: [] });
    expect(gone.down?.statements.map((s) => s.sql)).toEqual(['SELECT 2']);
  });

  it('reads links to files, and any extension golang-migrate reads (its regex ends in .(.*))', async () => {
    await write({ 'elsewhere/real.sql': 'SELECT 1;', '2_b.up.psql': 'SELECT 2;' });
    await symlink(path.join(dir, 'elsewhere/real.sql'), path.join(dir, '1_a.up.sql'));
    expect((await loadGolangMigrate(dir)).migrations.map((m) => m.name)).toEqual(['1_a', '2_b']);
  });

  it('refuses two up files of one version, naming the later one in the words golang-migrate uses', async () => {
    await write({ '1_create_users.up.sql': 'SELECT 1;', '001_create_accounts.up.sql': 'SELECT 2;', '1_create_users.down.sql': 'SELECT 3;' });
    const error = await rejection(loadGolangMigrate(dir));
    expect(error.message).toBe(
      'duplicate migration file: 1_create_users.up.sql (version 1 already has the up file 001_create_accounts.up.sql); golang-migrate refuses to start',
    );
    expect(error.file).toBe(path.join(dir, '1_create_users.up.sql'));
    expect(error.fix).toContain('renumber');
  });

  it('refuses a forgotten backup copy, which golang-migrate reads as a second up file', async () => {
    await write({ '3_backfill.up.sql': 'SELECT 1;', '3_backfill.up.sql.orig': 'SELECT 1;' });
    const error = await rejection(loadGolangMigrate(dir));
    expect(error.message).toMatch(/^duplicate migration file: 3_backfill\.up\.sql\.orig /);
    expect(error.file).toBe(path.join(dir, '3_backfill.up.sql.orig'));
  });

  it.each([
    ['create_users.up.sql'],
    ['0001_create_users.sql'],
    ['0001-create-users.up.sql'],
  ])('refuses the .sql file %s, which golang-migrate would skip without a word', async (name) => {
    await write({ '0002_ok.up.sql': 'SELECT 1;', [name]: 'SELECT 2;' });
    const error = await rejection(loadGolangMigrate(dir));
    expect(error.message).toBe('golang-migrate ignores this file: its name is not NUMBER_NAME.up.sql or NUMBER_NAME.down.sql');
    expect(error.file).toBe(path.join(dir, name));
    expect(error.fix).toMatch(/^rename it/);
  });

  it('refuses a version that schema_migrations.version (bigint) cannot hold', async () => {
    await write({ '9223372036854775808_big.up.sql': 'SELECT 1;' });
    const error = await rejection(loadGolangMigrate(dir));
    expect(error.message).toBe('version 9223372036854775808 is larger than schema_migrations.version (bigint) can hold');
    expect(error.file).toBe(path.join(dir, '9223372036854775808_big.up.sql'));
  });

  it('accepts the largest bigint version', async () => {
    await write({ '9223372036854775807_max.up.sql': 'SELECT 1;' });
    expect((await loadGolangMigrate(dir)).migrations[0]!.id).toBe('9223372036854775807');
  });

  it('refuses a folder without migrations, and a missing folder', async () => {
    await write({ 'README.md': 'x' });
    expect((await rejection(loadGolangMigrate(dir))).message).toBe('no golang-migrate migration files in this folder');
    const missing = await rejection(loadGolangMigrate(path.join(dir, 'nope')));
    expect(missing.message).toBe('the migration folder does not exist');
    expect(missing.file).toBe(path.join(dir, 'nope'));
  });

  it('reports SQL the server would reject with its file, line and column', async () => {
    await write({ '1_a.up.sql': 'SELECT 1;\n\nCREATE TABLE t (id int,);\n' });
    const error = await rejection(loadGolangMigrate(dir));
    expect(error.file).toBe(path.join(dir, '1_a.up.sql'));
    expect(error.line).toBe(3);
    expect(error.message).toContain('syntax error');
  });

  it('reports a psql meta-command at its line', async () => {
    await write({ '1_a.up.sql': 'SELECT 1;\n\\set ON_ERROR_STOP on\nSELECT 2;\n' });
    const error = await rejection(loadGolangMigrate(dir));
    expect([error.file, error.line, error.column]).toEqual([path.join(dir, '1_a.up.sql'), 2, 1]);
    expect(error.message).toContain('psql meta-command');
  });
});

describe('golang-migrate plan', () => {
  const FUNCTION = [
    '-- keep updated_at current',
    'CREATE TABLE notes (id int, updated_at timestamptz);',
    'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$',
    'BEGIN',
    '  NEW.updated_at := now();',
    '  RETURN NEW;',
    'END $$;',
    '',
  ].join('\n');

  it('by default: one script block per version, the file sent as one string', async () => {
    await write({ '1_a.up.sql': 'CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n', '2_b.up.sql': FUNCTION });
    const set = await loadGolangMigrate(dir);
    const plan = golangMigrate.plan(set, {});
    expect(plan.runner).toBe('golang-migrate');
    expect(plan.blocks.map((b) => [b.index, b.rule, b.migrations.map((m) => m.id), b.statements.length, b.text === b.migrations[0]!.up.text])).toEqual([
      [0, 'script', ['1'], 2, true],
      [1, 'script', ['2'], 2, true],
    ]);
  });

  it('a file of one statement is a no-txn block: autocommitted, with a boundary before the version update', async () => {
    await write({ '1_a.up.sql': '-- one index\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n', '2_b.up.sql': '' });
    const plan = golangMigrate.plan(await loadGolangMigrate(dir), {});
    expect(plan.blocks.map((b) => [b.rule, b.statements.length, b.text])).toEqual([
      ['no-txn', 1, '-- one index\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n'],
      ['script', 0, ''],
    ]);
  });

  it('with transactions=true: one in-txn block per version', async () => {
    await write({ '1_a.up.sql': 'CREATE TABLE a (id int);' });
    const plan = golangMigrate.plan(await loadGolangMigrate(dir), { transactions: 'true' });
    expect(plan.blocks.map((b) => b.rule)).toEqual(['in-txn']);
    expect(plan.blocks[0]!.text).toBe('CREATE TABLE a (id int);');
  });

  it('with multi-statement=true: the naive pieces, a cut $$ body kept as the tool sends it', async () => {
    await write({ '1_notes.up.sql': FUNCTION });
    const set = await loadGolangMigrate(dir);
    const file = path.join(dir, '1_notes.up.sql');
    const [block] = golangMigrate.plan(set, { 'multi-statement': 'true' }).blocks;
    expect(block!.rule).toBe('no-txn');
    expect(block!.text).toBeUndefined();
    expect(block!.statements.map((s) => [s.kind, s.file, s.line, s.column, s.sql])).toEqual([
      ['CreateStmt', file, 2, 1, 'CREATE TABLE notes (id int, updated_at timestamptz)'],
      ['Unknown', file, 3, 1, 'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now()'],
      ['Unknown', file, 6, 3, 'RETURN NEW'],
      ['Unknown', file, 7, 1, 'END $$'],
    ]);
    // Offsets point into the file's text, as for any statement.
    for (const s of block!.statements) expect(FUNCTION.slice(s.offset, s.offset + s.length)).toBe(s.sql);
    expect(naiveSplitBrokeDollarQuote(FUNCTION.slice(0, FUNCTION.indexOf('now();') + 6))).toBe(true);
  });

  it('with both options: in-txn blocks of naive pieces', async () => {
    await write({ '1_a.up.sql': 'CREATE TABLE a (id int);\nCREATE TABLE b (id int);' });
    const [block] = golangMigrate.plan(await loadGolangMigrate(dir), { 'multi-statement': 'true', transactions: 'true' }).blocks;
    expect(block!.rule).toBe('in-txn');
    expect(block!.statements.map((s) => [s.sql, s.line])).toEqual([
      ['CREATE TABLE a (id int)', 1],
      ['CREATE TABLE b (id int)', 2],
    ]);
  });

  it('accepts the booleans strconv.ParseBool accepts', async () => {
    await write({ '1_a.up.sql': 'SELECT 1;' });
    const set = await loadGolangMigrate(dir);
    for (const value of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(golangMigrate.plan(set, { transactions: value }).blocks[0]!.rule).toBe('in-txn');
    for (const value of ['0', 'f', 'F', 'FALSE', 'false', 'False']) expect(golangMigrate.plan(set, { transactions: value }).blocks[0]!.rule).not.toBe('in-txn');
    const error = thrown(() => golangMigrate.plan(set, { transactions: 'yes' }));
    expect(error.message).toBe('runner option transactions=yes is not a boolean');
  });

  it('refuses an unknown runner option, listing the accepted ones', async () => {
    await write({ '1_a.up.sql': 'SELECT 1;' });
    const error = thrown(() => golangMigrate.plan({ dir, format: 'golang-migrate', migrations: [] }, { 'x-multi-statement': 'true' }));
    expect(error.message).toBe("unknown runner option 'x-multi-statement' for golang-migrate");
    expect(error.fix).toBe('the golang-migrate runner model accepts: multi-statement=true, transactions=true');
    expect(Object.keys(golangMigrate.options ?? {})).toEqual(['multi-statement', 'transactions']);
  });
});

describe("golang-migrate's naive split", () => {
  it('cuts after every ; and keeps the rest, as multistmt.Parse does', () => {
    expect(naiveSplit("A;\nB 'x;y';\n-- c; d\nE")).toEqual([
      { text: 'A;', offset: 0 },
      { text: "\nB 'x;", offset: 2 },
      { text: "y';", offset: 8 },
      { text: '\n-- c;', offset: 11 },
      { text: ' d\nE', offset: 17 },
    ]);
    expect(naiveSplit('A;')).toEqual([{ text: 'A;', offset: 0 }]);
    expect(naiveSplit('')).toEqual([]);
  });

  it('tells which construct a cut piece leaves open', () => {
    expect(openAtEnd('CREATE FUNCTION f() RETURNS int AS $$ BEGIN x := 1;')).toBe('dollar-quote');
    expect(openAtEnd('DO $body$ BEGIN PERFORM 1;')).toBe('dollar-quote');
    expect(openAtEnd('DO $body$ BEGIN PERFORM 1; END $body$;')).toBeUndefined();
    expect(openAtEnd("INSERT INTO t VALUES ('a;")).toBe('string');
    expect(openAtEnd("INSERT INTO t VALUES ('it''s;")).toBe('string');
    expect(openAtEnd("SELECT E'\\';")).toBe('string');
    expect(openAtEnd('SELECT 1 /* a;')).toBe('comment');
    expect(openAtEnd('SELECT $1, a$b FROM t;')).toBeUndefined();
    expect(openAtEnd("SELECT '$$';")).toBeUndefined();
    expect(openAtEnd('-- $$ in a comment\nSELECT 1;')).toBeUndefined();
    expect(openAtEnd('SELECT 1; -- then')).toBe('line-comment');
    expect(naiveSplitBrokeDollarQuote("INSERT INTO t VALUES ('a;")).toBe(false);
  });

  it('tells whether the cut at either end of a piece went through a $$ body, a string or a comment', () => {
    const source = "-- step one; then two\nSELECT 1;\nDO $$ BEGIN PERFORM 1; END $$;\nSELECT ';';";
    const pieces = naiveSplit(source);
    expect(pieces.map((piece) => cutThrough({ piece, source }))).toEqual([
      'line-comment', // its ; sits in the comment
      'line-comment', // " then two\nSELECT 1;" starts after it
      'dollar-quote',
      'dollar-quote',
      'string',
      'string',
    ]);
  });

  it('gives blank and comment-only pieces no statement', async () => {
    await write({ '1_a.up.sql': 'SELECT 1;\n-- done;\n;  \n' });
    const [migration] = (await loadGolangMigrate(dir)).migrations;
    expect(naiveStatements(migration!).map((s) => s.sql)).toEqual(['SELECT 1']);
  });
});
