import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cigogneCreatedAt, cigogneName } from '../../src/runners/cigogne/format.js';
import { loadSet } from '../../src/migrations/load.js';
import { InputError } from '../../src/migrations/types.js';
import { cigogne } from '../../src/runners/cigogne/model.js';
import { rejection, tempFolder } from '../helpers/folders.js';
import type { Env, MigrationSet } from '../../src/migrations/types.js';

const loadCigogne = (dir: string, env: Env = {}): Promise<MigrationSet> => loadSet(dir, 'cigogne', env);

const SETS = fileURLToPath(new URL('../../migrations-under-test/cigogne-single-transaction', import.meta.url));

let dir: string;
const { write } = tempFolder('migtest-cigogne-', (created) => (dir = created));

/** A well-formed migration file around `up`. */
function file(up: string, marker = '--- migration:up'): string {
  return `-- header\n${marker}\n${up}\n--- migration:down\nSELECT 0;\n--- migration:end\n`;
}

describe('loadCigogne: files and order', () => {
  it('loads every *.sql file in timestamp order and ignores other files and folders', async () => {
    await write({
      '20250301120000-Third.sql': file('SELECT 3;'),
      '20240101000000-First.sql': file('SELECT 1;'),
      '20241231235959-Second-With-Dashes.sql': file('SELECT 2;'),
      'README.md': '# notes',
      'notes.txt': 'SELECT 9;',
      'old/20200101000000-Old.sql': file('SELECT 0;'),
    });
    const set = await loadCigogne(dir);
    expect(set).toMatchObject({ dir, format: 'cigogne' });
    expect(set.migrations.map((m) => [m.id, m.name, m.orderKey])).toEqual([
      ['20240101000000', '20240101000000-First', '20240101000000'],
      ['20241231235959', '20241231235959-Second-With-Dashes', '20241231235959'],
      ['20250301120000', '20250301120000-Third', '20250301120000'],
    ]);
    expect(set.migrations.map(cigogneName)).toEqual(['First', 'Second-With-Dashes', 'Third']);
    expect(set.migrations.map(cigogneCreatedAt)).toEqual(['2024-01-01 00:00:00', '2024-12-31 23:59:59', '2025-03-01 12:00:00']);
  });

  it('is the loader behind the cigogne format and runner', async () => {
    await write({ '20240101000000-First.sql': file('SELECT 1;') });
    const set = await loadSet(dir, 'cigogne');
    expect(set.migrations).toHaveLength(1);
    expect(cigogne.format).toBe('cigogne');
  });

  it('checksums the whole file, markers and comments included', async () => {
    const text = file('CREATE TABLE t (id int);');
    await write({ '20240101000000-T.sql': text });
    const [migration] = (await loadCigogne(dir)).migrations;
    expect(migration!.checksum).toBe(createHash('sha256').update(text).digest('hex'));
  });
});

describe('loadCigogne: sections and positions', () => {
  it('takes the up and down statements between the markers, at their exact place in the file', async () => {
    const text = [
      '-- Customers.', //                                              1
      '--- migration:up', //                                           2
      'CREATE TABLE customers (id int);', //                           3
      '', //                                                           4
      "  INSERT INTO customers VALUES (1); /* ; */ SELECT ';--';", //  5
      "DO $fn$ BEGIN PERFORM 1; END $fn$;", //                         6
      '--- migration:down', //                                         7
      'DROP TABLE customers;', //                                      8
      '--- migration:end', //                                          9
      'text after the end marker is not SQL', //                       10
    ].join('\n');
    await write({ '20240101000000-Customers.sql': text });
    const [m] = (await loadCigogne(dir)).migrations;
    const file = path.join(dir, '20240101000000-Customers.sql');
    expect(m!.up).toMatchObject({ file, startLine: 3, startColumn: 1 });
    expect(m!.up.statements.map((s) => [s.line, s.column, s.sql, s.kind])).toEqual([
      [3, 1, 'CREATE TABLE customers (id int)', 'CreateStmt'],
      [5, 3, 'INSERT INTO customers VALUES (1)', 'InsertStmt'],
      [5, 45, "SELECT ';--'", 'SelectStmt'],
      [6, 1, 'DO $fn$ BEGIN PERFORM 1; END $fn$', 'DoStmt'],
    ]);
    for (const s of m!.up.statements) expect(text.split('\n')[s.line - 1]!.slice(s.column - 1)).toMatch(new RegExp(`^${s.sql.slice(0, 6).replace(/[$(]/g, '\\$&')}`));
    expect(m!.down!.statements.map((s) => [s.line, s.column, s.sql])).toEqual([[8, 1, 'DROP TABLE customers']]);
    expect(m!.directives).toEqual({});
  });

  it('accepts CRLF line ends', async () => {
    await write({
      '20240101000000-Two.sql': '--- migration:up\r\nSELECT 1;\r\nSELECT 2;\r\n--- migration:down\r\nSELECT 0;\r\n--- migration:end\r\n',
    });
    const [m] = (await loadCigogne(dir)).migrations;
    expect(m!.up.statements.map((s) => [s.line, s.sql])).toEqual([
      [2, 'SELECT 1'],
      [3, 'SELECT 2'],
    ]);
  });

  it('refuses the two-dash markers of the seed text, as cigogne does (MissingUpGuard), at the first one', async () => {
    await write({ '20240101000000-Two.sql': '-- seed\r\n-- migration:up\r\nSELECT 1;\r\n-- migration:down\r\nSELECT 0;\r\n-- migration:end\r\n' });
    const error = await rejection(loadCigogne(dir));
    expect([error.line, error.column]).toEqual([2, 1]);
    expect(error.message).toBe(
      '"-- migration:up" is not cigogne\'s migration:up marker: it has two dashes, and cigogne looks for the text "--- migration:up" (three dashes, one space): ' +
        'it finds none in the file and refuses it (MissingUpGuard), so no migration of the set runs',
    );
    expect(error.fix).toContain('"--- migration:up"');
  });

  it('refuses a marker cigogne does not find for its spacing, and only where the exact one is missing', async () => {
    await write({ '20240101000000-Sp.sql': '--- migration:up\nSELECT 1;\n---migration:down\nSELECT 0;\n--- migration:end\n' });
    const error = await rejection(loadCigogne(dir));
    expect([error.line, error.message]).toEqual([3, expect.stringContaining('has no space between the dashes and "migration:"') as unknown]);
    expect(error.message).toContain('(MissingDownGuard)');

    // Four dashes hold cigogne's three; a two-dash line beside the exact marker is a comment to it.
    await write({ '20240101000000-Sp.sql': '---- migration:up\n-- migration:up (see below)\nSELECT 1;\n--- migration:down\nSELECT 0;\n--- migration:end\n' });
    const [m] = (await loadCigogne(dir)).migrations;
    expect(m!.up.statements.map((s) => [s.line, s.sql])).toEqual([[3, 'SELECT 1']]);
  });

  it('reads disable_transaction on the up marker, for a single statement', async () => {
    await write({
      '20240101000000-Index.sql': file(
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS t_idx ON t (id);',
        '--- migration:up disable_transaction',
      ),
      '20240102000000-Plain.sql': file('SELECT 1;'),
    });
    const [index, plain] = (await loadCigogne(dir)).migrations;
    expect(index!.directives).toEqual({ disable_transaction: true });
    expect(index!.up.statements).toHaveLength(1);
    expect(plain!.directives).toEqual({});
  });

  it('does not take a comment that mentions migration: for a marker', async () => {
    await write({ '20240101000000-C.sql': file('-- migration: adds nothing\nSELECT 1;') });
    const [m] = (await loadCigogne(dir)).migrations;
    expect(m!.up.statements.map((s) => s.sql)).toEqual(['SELECT 1']);
  });
});

describe('loadCigogne: bad input, with file and line', () => {
  it.each([
    ['2024-01-01-init.sql'],
    ['20240101_init.sql'],
    ['202401010000-Short.sql'],
    ['20240101000000.sql'],
    ['20240101000000-.sql'],
    ['init.sql'],
  ])('refuses the name %s with the expected pattern', async (name) => {
    await write({ [name]: file('SELECT 1;') });
    const error = await rejection(loadCigogne(dir));
    expect(error.file).toBe(path.join(dir, name));
    expect(error.line).toBeUndefined();
    expect(error.message).toContain(`"${name}" is not a cigogne migration name`);
    expect(error.message).toContain('<YYYYMMDDhhmmss>-<Name>.sql');
    expect(error.fix).toMatch(/rename the file/);
  });

  it.each([
    ['20241301000000-Month.sql', 'month 13'],
    ['20230229000000-Leap.sql', 'day 29 of a month with 28 days'],
    ['19000229000000-Century.sql', 'day 29 of a month with 28 days'],
    ['20240100000000-Zero.sql', 'day 00 of a month with 31 days'],
    ['20240431000000-April.sql', 'day 31 of a month with 30 days'],
    ['20240101240000-Hour.sql', 'hour 24'],
    ['20240101006000-Minute.sql', 'minute 60'],
    ['20240101000060-Second.sql', 'second 60'],
  ])('refuses %s: not a real date-time (%s)', async (name, problem) => {
    await write({ [name]: file('SELECT 1;') });
    const error = await rejection(loadCigogne(dir));
    expect(error.file).toBe(path.join(dir, name));
    expect(error.message).toBe(`"${name}": ${name.slice(0, 14)} is not a real date-time (${problem}); cigogne expects <YYYYMMDDhhmmss>-<Name>.sql`);
  });

  it('accepts 29 February of a leap year', async () => {
    await write({ '20240229120000-Leap.sql': file('SELECT 1;'), '20000229120000-Leap.sql': file('SELECT 1;') });
    expect((await loadCigogne(dir)).migrations).toHaveLength(2);
  });

  it('refuses two files with the same timestamp, naming both', async () => {
    await write({ '20240101000000-Alpha.sql': file('SELECT 1;'), '20240101000000-Beta.sql': file('SELECT 2;') });
    const error = await rejection(loadCigogne(dir));
    expect(error.file).toBe(path.join(dir, '20240101000000-Beta.sql'));
    expect(error.message).toBe('two migrations have the timestamp 20240101000000: 20240101000000-Alpha.sql and 20240101000000-Beta.sql');
    expect(error.fix).toContain('rename 20240101000000-Beta.sql');
  });

  it('refuses a file without the up marker, at its first line', async () => {
    await write({ '20240101000000-NoUp.sql': '\n\nCREATE TABLE t (id int);\n' });
    const error = await rejection(loadCigogne(dir));
    expect([error.file, error.line, error.column]).toEqual([path.join(dir, '20240101000000-NoUp.sql'), 3, 1]);
    expect(error.message).toBe('no "--- migration:up" marker: cigogne runs only the statements that follow it');
    expect(error.fix).toContain('--- migration:up');
  });

  it('refuses a down marker before the up marker', async () => {
    await write({ '20240101000000-Order.sql': 'SELECT 1;\n--- migration:down\nSELECT 0;\n--- migration:up\nSELECT 1;\n--- migration:end\n' });
    const error = await rejection(loadCigogne(dir));
    expect([error.line, error.message]).toEqual([2, 'the migration:down marker comes before any migration:up marker']);
  });

  it('refuses a missing down or end marker, at the marker before it', async () => {
    await write({ '20240101000000-NoDown.sql': '-- x\n--- migration:up\nSELECT 1;\n' });
    let error = await rejection(loadCigogne(dir));
    expect([error.line, error.message]).toEqual([2, 'no "--- migration:down" marker after the migration:up marker of line 2']);

    await rm(path.join(dir, '20240101000000-NoDown.sql'));
    await write({ '20240101000000-NoEnd.sql': '--- migration:up\nSELECT 1;\n--- migration:down\nSELECT 0;\n' });
    error = await rejection(loadCigogne(dir));
    expect([error.line, error.message]).toEqual([3, 'no "--- migration:end" marker after the migration:down marker of line 3']);
  });

  it('refuses a second up marker', async () => {
    await write({ '20240101000000-Two.sql': '--- migration:up\nSELECT 1;\n--- migration:up\nSELECT 2;\n--- migration:down\nSELECT 0;\n--- migration:end\n' });
    const error = await rejection(loadCigogne(dir));
    expect([error.line, error.message]).toEqual([3, 'a second migration:up marker (the first is on line 1)']);
  });

  it('refuses an empty up or down section', async () => {
    await write({ '20240101000000-Empty.sql': '--- migration:up\n-- nothing yet\n--- migration:down\nSELECT 0;\n--- migration:end\n' });
    let error = await rejection(loadCigogne(dir));
    expect([error.line, error.message]).toEqual([1, 'the migration:up section has no statement']);

    await write({ '20240101000000-Empty.sql': '--- migration:up\nSELECT 1;\n--- migration:down\n\n--- migration:end\n' });
    error = await rejection(loadCigogne(dir));
    expect([error.line, error.message]).toEqual([3, 'the migration:down section has no statement']);
  });

  it('refuses an unknown marker option, at its column', async () => {
    await write({ '20240101000000-Opt.sql': file('SELECT 1;', '--- migration:up no_transaction') });
    const error = await rejection(loadCigogne(dir));
    expect([error.line, error.column, error.message]).toEqual([2, 18, 'unknown option "no_transaction" on the migration:up marker']);
    expect(error.fix).toContain('disable_transaction');
  });

  it('refuses an option on the end marker and an unknown marker kind', async () => {
    await write({ '20240101000000-End.sql': '--- migration:up\nSELECT 1;\n--- migration:down\nSELECT 0;\n--- migration:end now\n' });
    let error = await rejection(loadCigogne(dir));
    expect([error.line, error.column, error.message]).toEqual([5, 19, 'unknown option "now" on the migration:end marker']);

    await write({ '20240101000000-End.sql': '--- migration:upgrade\nSELECT 1;\n' });
    error = await rejection(loadCigogne(dir));
    expect([error.line, error.column, error.message]).toEqual([1, 1, 'unknown marker "migration:upgrade"']);
  });

  it('refuses a disable_transaction migration with two statements, at the second, saying why', async () => {
    await write({
      '20240101000000-Idx.sql': file(
        'CREATE INDEX CONCURRENTLY a_idx ON t (a);\n  CREATE INDEX CONCURRENTLY b_idx ON t (b);',
        '--- migration:up disable_transaction',
      ),
    });
    const error = await rejection(loadCigogne(dir));
    expect([error.file, error.line, error.column]).toEqual([path.join(dir, '20240101000000-Idx.sql'), 4, 3]);
    expect(error.message).toMatch(/^a disable_transaction migration must be exactly one statement, and this one has 2: cigogne runs it outside any transaction/);
    expect(error.fix).toContain('a migration of its own');
  });

  it('refuses \\set ON_ERROR_STOP with the prepared-statement and rolled-back-batch explanation', async () => {
    const set = path.join(SETS, 'broken');
    const error = await rejection(loadCigogne(set));
    expect([error.file, error.line, error.column]).toEqual([path.join(set, '20250301092000-SeedRoomRates.sql'), 3, 1]);
    expect(error.message).toContain('"\\set ON_ERROR_STOP off" is a psql meta-command, not SQL');
    expect(error.message).toContain('cigogne sends each statement to the server through the prepared-statement protocol');
    expect(error.message).toContain('the server does not know psql commands');
    expect(error.message).toContain('the whole pending batch');
    expect(error.message).toContain('rolls back');
    expect(error.fix).toMatch(/^remove the line/);
  });

  it('refuses other psql meta-commands with the prepared-statement explanation only', async () => {
    await write({ '20240101000000-Inc.sql': file('SELECT 1;\n\\i seed.sql') });
    const error = await rejection(loadCigogne(dir));
    expect([error.line, error.column]).toEqual([4, 1]);
    expect(error.message).toContain('"\\i seed.sql" is a psql meta-command');
    expect(error.message).toContain('prepared-statement protocol');
    expect(error.message).not.toContain('ON_ERROR_STOP');
  });

  it('reports a syntax error at its line in the file', async () => {
    await write({ '20240101000000-Bad.sql': file('SELECT 1;\nCREATE TABLEE t (id int);') });
    const error = await rejection(loadCigogne(dir));
    expect([error.line, error.column]).toEqual([4, 8]);
    expect(error.message).toContain('syntax error');
  });

  it('refuses a folder without *.sql files, or one that does not exist', async () => {
    await write({ 'README.md': '# none' });
    expect((await rejection(loadCigogne(dir))).message).toBe('no *.sql files in this folder');
    expect((await rejection(loadCigogne(path.join(dir, 'nope')))).message).toBe('the migration folder does not exist');
  });
});

describe('cigogne plan', () => {
  it('puts consecutive transactional migrations in one in-txn block; a disable_transaction one alone', async () => {
    await write({
      '20240101000000-A.sql': file('CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);'),
      '20240102000000-B.sql': file('CREATE TABLE b (id int);'),
      '20240103000000-Idx.sql': file('CREATE INDEX CONCURRENTLY a_idx ON a (id);', '---- migration:up disable_transaction'),
      '20240104000000-C.sql': file('CREATE TABLE c (id int);'),
      '20240105000000-Idx2.sql': file('CREATE INDEX CONCURRENTLY c_idx ON c (id);', '--- migration:up disable_transaction'),
      '20240106000000-Idx3.sql': file('CREATE INDEX CONCURRENTLY b_idx ON b (id);', '--- migration:up disable_transaction'),
    });
    const plan = cigogne.plan(await loadCigogne(dir));
    expect(plan.runner).toBe('cigogne');
    expect(plan.blocks.map((b) => [b.index, b.rule, b.migrations.map((m) => m.id), b.statements.length, b.text])).toEqual([
      [0, 'in-txn', ['20240101000000', '20240102000000'], 3, undefined],
      [1, 'no-txn', ['20240103000000'], 1, undefined],
      [2, 'in-txn', ['20240104000000'], 1, undefined],
      [3, 'no-txn', ['20240105000000'], 1, undefined],
      [4, 'no-txn', ['20240106000000'], 1, undefined],
    ]);
    expect(plan.blocks[0]!.statements.map((s) => [path.basename(s.file), s.line])).toEqual([
      ['20240101000000-A.sql', 3],
      ['20240101000000-A.sql', 4],
      ['20240102000000-B.sql', 3],
    ]);
  });

  it('plans the story set as one transaction of all five migrations', async () => {
    const plan = cigogne.plan(await loadCigogne(path.join(SETS, 'fixed')));
    expect(plan.blocks).toHaveLength(1);
    expect(plan.blocks[0]!.rule).toBe('in-txn');
    expect(plan.blocks[0]!.migrations).toHaveLength(5);
    expect(plan.blocks[0]!.statements.map((s) => `${path.basename(s.file)}:${s.line}`)).toEqual([
      '20250301090000-CreateCustomers.sql:3',
      '20250301090500-CreateRooms.sql:3',
      '20250301090500-CreateRooms.sql:9',
      '20250301091000-CreateBookings.sql:3',
      '20250301091000-CreateBookings.sql:14',
      '20250301091500-SeedRooms.sql:3',
      '20250301092000-SeedRoomRates.sql:3',
      '20250301092000-SeedRoomRates.sql:10',
    ]);
  });

  it('refuses unknown runner options and bad values', async () => {
    await write({ '20240101000000-A.sql': file('SELECT 1;') });
    const set = await loadCigogne(dir);
    expect(() => cigogne.plan(set, { transactions: 'true' })).toThrow(InputError);
    expect(() => cigogne.plan(set, { 'no-hash-check': 'yes' })).toThrow(/takes true or false/);
    expect(cigogne.plan(set, { 'no-hash-check': 'true' }).blocks).toHaveLength(1);
  });
});
